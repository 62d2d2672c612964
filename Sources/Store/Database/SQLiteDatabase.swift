import Foundation
import Logging
import SQLiteNIO

/// The embedded default: one SQLite file in WAL mode with full durability.
///
/// One connection, one transaction at a time (SQLite has a single writer anyway). `synchronous=FULL`
/// makes every commit durable before we answer, which is what lets a 2xx mean "recorded".
public final class SQLiteDatabase: Database {
    /// How long a statement waits for another process's lock (e.g. an operator command) before
    /// failing, in milliseconds.
    public static let busyTimeoutMillis = 5_000

    public let dialect = SQLDialect.sqlite
    public let displayName: String
    private let connection: SQLiteConnection

    private let groupCommit: GroupCommit

    private init(connection: SQLiteConnection, displayName: String) {
        self.connection = connection
        self.displayName = displayName
        groupCommit = GroupCommit(
            execute: { sql in _ = try await Self.raw(connection, sql) }, executor: Executor(connection: connection)
        )
    }

    /// Opens (creating if needed) the file at `path`, and its parent directory.
    public static func open(path: String, logger: Logger) async throws -> SQLiteDatabase {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.unavailable("cannot create directory \(directory): \(error.localizedDescription)")
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw StoreError.unavailable("cannot open SQLite file \(path): \(error)")
        }
        let database = SQLiteDatabase(connection: connection, displayName: "sqlite:\(path)")
        do {
            // journal_mode answers with a row; the others are silent.
            _ = try await database.raw("PRAGMA journal_mode=WAL")
            _ = try await database.raw("PRAGMA synchronous=FULL")
            _ = try await database.raw("PRAGMA busy_timeout=\(busyTimeoutMillis)")
            _ = try await database.raw("PRAGMA foreign_keys=ON")
        } catch {
            try? await connection.close()
            throw error
        }
        return database
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        // Concurrent transactions share one BEGIN IMMEDIATE … COMMIT (and one fsync); see
        // GroupCommit for how a failing member is isolated. IMMEDIATE takes the write lock up
        // front, so two processes on one file queue on the busy timeout instead of failing at
        // their first write.
        try await groupCommit.transaction(body)
    }


    public func close() async {
        try? await connection.close()
    }

    fileprivate func raw(_ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        try await Self.raw(connection, sql, binds)
    }

    fileprivate static func raw(_ connection: SQLiteConnection, _ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        let collector = RowCollector()
        do {
            try await connection.query(Self.sqliteSQL(sql), binds.map(Self.sqliteData)) { row in
                collector.append(row)
            }
        } catch let error as SQLiteError {
            throw Self.storeError(error)
        }
        return collector.rows
    }

    /// `$1` → `?1`: SQLite reads `$1` as a *named* parameter numbered by first appearance,
    /// which would misbind SQL that uses placeholders out of order.
    static func sqliteSQL(_ sql: String) -> String {
        // Bytes, not Characters: `$` and digits are ASCII, and this runs for every statement.
        var bytes = Array(sql.utf8)
        guard bytes.contains(UInt8(ascii: "$")) else { return sql }
        for index in bytes.indices.dropLast()
        where bytes[index] == UInt8(ascii: "$") && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1]) {
            bytes[index] = UInt8(ascii: "?")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func sqliteData(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .null: .null
        case .int(let int): .integer(SQLiteInt64(int))
        case .text(let text): .text(text)
        }
    }

    private static func storeError(_ error: SQLiteError) -> StoreError {
        switch error.reason {
        case .constraint, .constraintUniqueFailed, .constraintPrimaryKeyFailed:
            .uniqueViolation(error.message)
        case .busy, .busyTimeout, .locked, .cantOpen:
            .unavailable(error.message)
        default:
            .database(error.message)
        }
    }

    private struct Executor: SQLExecutor {
        let connection: SQLiteConnection
        var dialect: SQLDialect { .sqlite }

        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await SQLiteDatabase.raw(connection, sql, binds)
        }
    }
}

/// Gathers rows from sqlite-nio's callback, which runs on its thread pool.
private final class RowCollector: @unchecked Sendable {
    // Safe: sqlite-nio calls the row callback serially, and we read `rows` only after the query returns.
    private(set) var rows: [SQLRow] = []

    func append(_ row: SQLiteRow) {
        var values: [String: SQLValue] = [:]
        values.reserveCapacity(row.columns.count)
        for column in row.columns {
            switch column.data {
            case .integer(let int): values[column.name] = .int(Int64(int))
            case .text(let text): values[column.name] = .text(text)
            case .null: values[column.name] = .null
            // The schema has no REAL or BLOB columns; expressions that yield them are a bug,
            // surfaced as text so the decoder reports the column by name.
            case .float(let double): values[column.name] = .text(String(double))
            case .blob(let buffer): values[column.name] = .text(String(buffer: buffer))
            }
        }
        rows.append(SQLRow(values))
    }
}
