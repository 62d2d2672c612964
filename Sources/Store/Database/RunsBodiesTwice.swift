/// A test mode for `Database.transaction`'s contract: every body runs twice in its
/// transaction, the first run rolled back to a savepoint.
///
/// SQLite's group commit may run a body more than once (`GroupCommit`: an optimistic group is
/// rolled back and replayed with savepoints when a member throws), so a body must do nothing
/// but read and write the store. This wrapper makes the second run happen every time, so a
/// side effect hidden in a body (a metric, a log line, an HTTP call) shows up twice in tests.
public struct RunsBodiesTwice: Database {
    let inner: any Database

    public init(_ inner: any Database) { self.inner = inner }

    public var dialect: SQLDialect { inner.dialect }
    public var displayName: String { inner.displayName + " (bodies run twice)" }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await inner.transaction { db in
            try await db.query("SAVEPOINT runs_bodies_twice")
            do {
                _ = try await body(db)
            } catch {
                // As in a real replay: the failed member's work is undone and its error returned.
                try await db.query("ROLLBACK TO SAVEPOINT runs_bodies_twice")
                throw error
            }
            try await db.query("ROLLBACK TO SAVEPOINT runs_bodies_twice")
            try await db.query("RELEASE SAVEPOINT runs_bodies_twice")
            return try await body(db)
        }
    }

    public func close() async { await inner.close() }
}
