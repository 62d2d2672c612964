import Foundation
import Logging
import NIOPosix

/// The embedded default: one SQLite file in WAL mode with full durability.
///
/// One connection, one transaction at a time (SQLite has a single writer anyway). `synchronous=FULL`
/// makes every commit durable before we answer, which is what lets a 2xx mean "recorded".
public final class SQLiteDatabase: Database {
    /// How long a statement waits for another process's lock (e.g. an operator command) before
    /// failing, in milliseconds.
    public static let busyTimeoutMillis = 5_000

    /// Statements that can block for long: BEGIN IMMEDIATE waits out another process's write
    /// lock (up to the busy timeout) and COMMIT waits for fsync and any checkpoint. They run on
    /// a thread pool; every other statement takes microseconds and runs inline.
    static let statementsThatWait: Set<String> = ["BEGIN IMMEDIATE", "COMMIT"]

    public let dialect = SQLDialect.sqlite
    public let displayName: String
    private let handle: SQLiteHandle

    private let groupCommit: GroupCommit

    private init(handle: SQLiteHandle, displayName: String) {
        self.handle = handle
        self.displayName = displayName
        groupCommit = GroupCommit(
            execute: { sql in
                if Self.statementsThatWait.contains(sql) {
                    _ = try await NIOThreadPool.singleton.runIfActive { try handle.query(sql, []) }
                } else {
                    _ = try handle.query(sql, [])
                }
            },
            executor: Executor(handle: handle)
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
        let handle = try await NIOThreadPool.singleton.runIfActive { try SQLiteHandle(path: path) }
        do {
            // The busy timeout first, so switching to WAL waits for another process too.
            // journal_mode answers with a row; the others are silent.
            _ = try handle.query("PRAGMA busy_timeout=\(busyTimeoutMillis)", [])
            _ = try await NIOThreadPool.singleton.runIfActive { try handle.query("PRAGMA journal_mode=WAL", []) }
            _ = try handle.query("PRAGMA synchronous=FULL", [])
            _ = try handle.query("PRAGMA foreign_keys=ON", [])
        } catch {
            handle.close()
            throw error
        }
        return SQLiteDatabase(handle: handle, displayName: "sqlite:\(path)")
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        // Concurrent transactions share one BEGIN IMMEDIATE … COMMIT (and one fsync); see
        // GroupCommit for how a failing member is isolated. IMMEDIATE takes the write lock up
        // front, so two processes on one file queue on the busy timeout instead of failing at
        // their first write.
        try await groupCommit.transaction(body)
    }

    public func close() async {
        handle.close()
    }

    private struct Executor: SQLExecutor {
        let handle: SQLiteHandle
        var dialect: SQLDialect { .sqlite }

        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try handle.query(sql, binds)
        }
    }
}
