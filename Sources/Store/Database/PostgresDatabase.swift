import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// PostgreSQL through postgres-nio's connection pool; used when `DATABASE_URL=postgres://…`.
public final class PostgresDatabase: Database {
    /// Most connections one process holds: web handlers, the outbox worker and the watcher
    /// together rarely need more, and the server's default `max_connections` is 100.
    public static let maximumConnections = 16
    /// How long opening waits for a first successful query before calling the database unreachable.
    public static let connectTimeout: Duration = .seconds(10)

    public let dialect = SQLDialect.postgres
    public let displayName: String
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    private init(client: PostgresClient, displayName: String, logger: Logger) {
        self.client = client
        self.displayName = displayName
        self.logger = logger
        // The pool works only while `run()` does. Its lifetime is this object's: `close()`
        // cancels it, and every builder that opens a database closes it.
        self.runTask = Task { await client.run() }
    }

    public static func open(url: PostgresURL, logger: Logger) async throws -> PostgresDatabase {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: url.tls
        )
        configuration.options.maximumConnections = maximumConnections
        if let searchPath = url.searchPath {
            configuration.options.additionalStartupParameters.append(("search_path", searchPath))
        }
        configuration.options.connectTimeout = connectTimeout
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let database = PostgresDatabase(client: client, displayName: url.redacted, logger: logger)
        do {
            try await withTimeout(connectTimeout) {
                _ = try await database.transaction { try await $0.query("SELECT 1 AS one") }
            }
        } catch {
            await database.close()
            throw StoreError.unavailable("cannot reach \(url.redacted): \(error)")
        }
        return database
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                let executor = Executor(connection: connection, logger: logger)
                try await executor.run("BEGIN")
                do {
                    let result = try await body(executor)
                    try await executor.run("COMMIT")
                    return result
                } catch {
                    try? await executor.run("ROLLBACK")
                    throw error
                }
            }
        } catch let error as PSQLError {
            throw Self.storeError(error)
        }
    }

    public func close() async {
        runTask.cancel()
        _ = await runTask.value
    }

    static func storeError(_ error: PSQLError) -> StoreError {
        if let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? state
            return state == "23505" ? .uniqueViolation(message) : .database("\(state): \(message)")
        }
        return .unavailable(String(describing: error.code))
    }

    private struct Executor: SQLExecutor {
        let connection: PostgresConnection
        let logger: Logger
        var dialect: SQLDialect { .postgres }

        func run(_ sql: String) async throws {
            do {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            } catch let error as PSQLError {
                throw PostgresDatabase.storeError(error)
            }
        }

        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            var bindings = PostgresBindings(capacity: binds.count)
            for bind in binds {
                switch bind {
                case .null: bindings.appendNull()
                case .int(let int): bindings.append(int)
                case .text(let text): bindings.append(text)
                }
            }
            do {
                let sequence = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                var rows: [SQLRow] = []
                for try await row in sequence {
                    rows.append(try Self.decode(row))
                }
                return rows
            } catch let error as PSQLError {
                throw PostgresDatabase.storeError(error)
            }
        }

        private static func decode(_ row: PostgresRow) throws -> SQLRow {
            var values: [String: SQLValue] = [:]
            for cell in row {
                guard cell.bytes != nil else {
                    values[cell.columnName] = .null
                    continue
                }
                switch cell.dataType {
                case .int2, .int4, .int8:
                    values[cell.columnName] = .int(try cell.decode(Int64.self))
                case .bool:
                    values[cell.columnName] = .int(try cell.decode(Bool.self) ? 1 : 0)
                default:
                    values[cell.columnName] = .text(try cell.decode(String.self))
                }
            }
            return SQLRow(values)
        }
    }
}

/// A parsed `postgres://user:password@host:port/database?sslmode=…` URL.
public struct PostgresURL: Sendable {
    public let host: String
    public let port: Int
    public let username: String
    public let password: String?
    public let database: String?
    public let tls: PostgresClient.Configuration.TLS
    /// `?search_path=schema`: keeps the gateway's tables in their own schema (tests use one per test).
    public let searchPath: String?
    /// The URL with the password replaced, safe for logs and `config check`.
    public let redacted: String

    public init(_ text: String) throws(StoreError) {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw .invalidURL("expected postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL("missing host") }
        guard let user = components.user, !user.isEmpty else { throw .invalidURL("missing user name") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        let searchPath = components.queryItems?.first(where: { $0.name == "search_path" })?.value
        if let searchPath, !searchPath.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            throw .invalidURL("search_path must be a plain schema name")
        }
        self.searchPath = searchPath
        let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        switch sslmode {
        case "disable": self.tls = .disable
        case "prefer", "allow": self.tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": self.tls = .require(.makeClientConfiguration())
        default: throw .invalidURL("unknown sslmode '\(sslmode)' (disable, prefer or require)")
        }
        let credentials = password == nil ? username : "\(username):***"
        self.redacted = "postgres://\(credentials)@\(host):\(port)/\(database ?? "")"
    }
}
