/// Applies migrations in order, each in its own transaction with its version row.
///
/// Safe to run concurrently from several processes: PostgreSQL takes an advisory lock per
/// transaction, SQLite's `BEGIN IMMEDIATE` admits one writer; both re-read the version inside.
public struct Migrator: Sendable {
    /// Arbitrary constant naming the gateway's migration lock in `pg_advisory_xact_lock`.
    static let advisoryLockID: Int64 = 0x6761_7465_7761_79  // "gateway"

    public let database: any Database
    public let migrations: [Migration]

    public init(database: any Database, migrations: [Migration] = Migrations.all) {
        self.database = database
        self.migrations = migrations
    }

    public var latestKnown: Int { migrations.last?.version ?? 0 }

    /// The schema version recorded in the database (0 when empty).
    public func currentVersion() async throws -> Int {
        try await database.transaction { db in try await Self.version(db) }
    }

    /// Brings the schema to the latest version; returns the versions it applied.
    @discardableResult
    public func migrate(now: Int64) async throws -> [Int] {
        var applied: [Int] = []
        for migration in migrations {
            let didApply = try await database.transaction { db -> Bool in
                if db.dialect == .postgres {
                    try await db.query("SELECT pg_advisory_xact_lock($1)", [.int(Self.advisoryLockID)])
                }
                let current = try await Self.version(db)
                guard current <= latestKnown else {
                    throw StoreError.schemaTooNew(database: current, binary: latestKnown)
                }
                guard current < migration.version else { return false }
                for statement in migration.sql(for: db.dialect) {
                    try await db.query(statement)
                }
                try await db.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    [.int(Int64(migration.version)), .text(migration.name), .int(now)]
                )
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        // A database already past us never enters the loop's refusal when it is empty of work.
        let final = try await currentVersion()
        if final > latestKnown { throw StoreError.schemaTooNew(database: final, binary: latestKnown) }
        return applied
    }

    /// Throws unless the schema is exactly what this binary expects; used by `/readyz`.
    public func checkCurrent() async throws {
        let current = try await currentVersion()
        if current > latestKnown { throw StoreError.schemaTooNew(database: current, binary: latestKnown) }
        if current < latestKnown { throw StoreError.schemaBehind(database: current, binary: latestKnown) }
    }

    static func version(_ db: any SQLExecutor) async throws -> Int {
        try await db.query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
        )
        let row = try await db.queryOne("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS version FROM schema_migrations")
        return Int(try row?.int("version") ?? 0)
    }
}
