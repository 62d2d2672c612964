import Foundation
import Logging
import Store
import Testing

/// The storage backends every store-touching test runs against.
///
/// PostgreSQL comes from `GATEWAY_TEST_DATABASE_URL` (scripts/test.sh starts a server and sets
/// it). Each test gets a fresh schema, so tests run in parallel without seeing each other.
public enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }

    public static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["GATEWAY_TEST_DATABASE_URL"]
        return url?.isEmpty == false ? url : nil
    }

    /// SQLite always; PostgreSQL when configured. Under CI a missing PostgreSQL is an error,
    /// not a silent skip.
    public static var available: [TestBackend] {
        if postgresURL != nil { return [.sqlite, .postgres] }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            fatalError("CI is set but GATEWAY_TEST_DATABASE_URL is not: the PostgreSQL suite must run in CI")
        }
        return [.sqlite]
    }

    /// A fresh, empty database location for one test.
    public func freshLocation() async throws -> DatabaseLocation {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-tests-\(name)")
            return .sqlite(path: directory.appendingPathComponent("gateway.sqlite").path)
        case .postgres:
            guard let base = Self.postgresURL else { throw TestSetupError("GATEWAY_TEST_DATABASE_URL is not set") }
            let admin = try await PostgresDatabase.open(url: try PostgresURL(base), logger: Logger(label: "test"))
            try await admin.transaction { db in try await db.query("CREATE SCHEMA \(name)") }
            await admin.close()
            let separator = base.contains("?") ? "&" : "?"
            return .postgres(url: "\(base)\(separator)search_path=\(name)")
        }
    }

    /// The same location as a `DATABASE_URL` value, for child processes.
    public static func databaseURL(_ location: DatabaseLocation) -> String {
        switch location {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): url
        }
    }

    /// Opens a location and migrates it.
    public func open(_ location: DatabaseLocation) async throws -> any Database {
        let database = try await location.open(logger: Logger(label: "test"))
        try await Migrator(database: database).migrate(now: 0)
        return database
    }

    /// Opens a fresh, migrated database.
    public func openMigrated() async throws -> any Database {
        let database = try await freshLocation().open(logger: Logger(label: "test"))
        try await Migrator(database: database).migrate(now: 0)
        return database
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
