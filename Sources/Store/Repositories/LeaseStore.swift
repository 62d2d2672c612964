/// Named leases: who may act for a job (a chain's watcher, the rates), until when.
public enum LeaseStore {
    /// Takes or renews the lease `name` for `holder` until `expiresAt`; true if we hold it.
    public static func acquireLease(name: String, holder: String, now: Int64, expiresAt: Int64, _ db: any SQLExecutor) async throws -> Bool {
        let rows = try await db.query(
            """
            INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at < $4
            RETURNING holder
            """,
            [.text(name), .text(holder), .int(expiresAt), .int(now)]
        )
        return (try rows.first?.text("holder")) == holder
    }

    /// Renews the lease only if `holder` holds it and it has not expired: the fence every
    /// fenced write transaction starts with. (On PostgreSQL the UPDATE keeps the row locked to
    /// COMMIT, so no one takes the lease in between.)
    ///
    /// Holder equality alone decides, not expiry: a takeover rewrites `holder` and a release
    /// deletes the row, so a holder that still finds its own name has had no writer beside it,
    /// even if its lease ran out during a long read (a slow node, a wide rescan). Refusing it
    /// then would only fail the step and repeat the same long read.
    public static func renewLease(name: String, holder: String, now: Int64, expiresAt: Int64, _ db: any SQLExecutor) async throws -> Bool {
        !(try await db.query(
            "UPDATE leases SET expires_at = $1 WHERE name = $2 AND holder = $3 RETURNING holder",
            [.int(expiresAt), .text(name), .text(holder)]
        )).isEmpty
    }

    /// Every lease row: who holds it and until when (ms). A released lease has no row.
    public static func all(_ db: any SQLExecutor) async throws -> [(name: String, holder: String, expiresAtMillis: Int64)] {
        try await db.query("SELECT name, holder, expires_at FROM leases ORDER BY name").map {
            (try $0.text("name"), try $0.text("holder"), try $0.int("expires_at"))
        }
    }

    public static func releaseLease(name: String, holder: String, _ db: any SQLExecutor) async throws {
        try await db.query("DELETE FROM leases WHERE name = $1 AND holder = $2", [.text(name), .text(holder)])
    }
}
