import Logging

/// Where the store lives, parsed from `DATABASE_URL`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// The embedded default when `DATABASE_URL` is unset.
    public static let defaultSQLitePath = "./data/gateway.sqlite"

    case sqlite(path: String)
    case postgres(url: String)

    /// Parses `DATABASE_URL`: unset or empty means the SQLite default; `sqlite:PATH`
    /// (or `sqlite://PATH`) names a file; `postgres://` and `postgresql://` a server.
    public init(databaseURL: String?) throws(StoreError) {
        guard let url = databaseURL, !url.isEmpty else {
            self = .sqlite(path: Self.defaultSQLitePath)
            return
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            _ = try PostgresURL(url)
            self = .postgres(url: url)
        } else if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw .invalidURL("sqlite: needs a file path, e.g. sqlite:./data/gateway.sqlite") }
            self = .sqlite(path: path)
        } else {
            throw .invalidURL("expected postgres://… or sqlite:PATH")
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): (try? PostgresURL(url).redacted) ?? "postgres://(invalid)"
        }
    }

    public func open(logger: Logger) async throws -> any Database {
        switch self {
        case .sqlite(let path): try await SQLiteDatabase.open(path: path, logger: logger)
        case .postgres(let url): try await PostgresDatabase.open(url: try PostgresURL(url), logger: logger)
        }
    }
}
