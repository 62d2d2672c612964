/// Rescans operators asked for, carried out by the watcher that holds the lease.
public enum RescanStore {
    public struct Request: Sendable, Equatable {
        public let id: Int64
        public let chainID: UInt64
        public let from: UInt64
        public let to: UInt64
        public let operatorName: String
        public let status: String
        /// The reconciliation report as JSON text, once done; the error, once failed.
        public let report: String?
        /// When a watcher began carrying it out; nil while nobody has.
        public let startedAt: Int64?
    }

    public static func request(chainID: UInt64, from: UInt64, to: UInt64, operatorName: String, now: Int64, _ db: any SQLExecutor) async throws -> Int64 {
        let row = try await db.queryOne(
            """
            INSERT INTO chain_rescans (chain_id, from_block, to_block, operator, requested_at, status)
            VALUES ($1, $2, $3, $4, $5, 'pending') RETURNING id
            """,
            [.int(Int64(chainID)), .int(Int64(from)), .int(Int64(to)), .text(operatorName), .int(now)]
        )
        guard let id = try row?.int("id") else { throw StoreError.decoding("chain_rescans insert returned no id") }
        return id
    }

    /// The oldest pending request of a chain. (A request its command stopped waiting for is
    /// `failed` by then, so nobody runs a fix nobody watches.)
    public static func nextPending(chainID: UInt64, _ db: any SQLExecutor) async throws -> Request? {
        try await db.queryOne(
            "SELECT \(columns) FROM chain_rescans WHERE chain_id = $1 AND status = 'pending' ORDER BY id LIMIT 1", [.int(Int64(chainID))]
        ).map(request)
    }

    public static func find(id: Int64, _ db: any SQLExecutor) async throws -> Request? {
        try await db.queryOne("SELECT \(columns) FROM chain_rescans WHERE id = $1", [.int(id)]).map(request)
    }

    /// Marks a pending request begun (once; a holder that lost the lease midway leaves it to
    /// the next, which carries it on). False if it is no longer pending (withdrawn).
    public static func start(id: Int64, now: Int64, _ db: any SQLExecutor) async throws -> Bool {
        !(try await db.query(
            "UPDATE chain_rescans SET started_at = COALESCE(started_at, $1) WHERE id = $2 AND status = 'pending' RETURNING id",
            [.int(now), .int(id)]
        )).isEmpty
    }

    /// Withdraws a request nobody has begun; false if a watcher already has (or it finished).
    public static func withdraw(id: Int64, reason: String, now: Int64, _ db: any SQLExecutor) async throws -> Bool {
        !(try await db.query(
            """
            UPDATE chain_rescans SET status = 'failed', report = $1, finished_at = $2
            WHERE id = $3 AND status = 'pending' AND started_at IS NULL RETURNING id
            """,
            [.text(reason), .int(now), .int(id)]
        )).isEmpty
    }

    /// Records the outcome, once: a request already finished is left as it is.
    public static func finish(id: Int64, failed: Bool, report: String, now: Int64, _ db: any SQLExecutor) async throws {
        try await db.query(
            "UPDATE chain_rescans SET status = $1, report = $2, finished_at = $3 WHERE id = $4 AND status = 'pending'",
            [.text(failed ? "failed" : "done"), .text(report), .int(now), .int(id)]
        )
    }

    static let columns = "id, chain_id, from_block, to_block, operator, status, report, started_at"

    static func request(_ row: SQLRow) throws -> Request {
        Request(
            id: try row.int("id"), chainID: UInt64(try row.int("chain_id")), from: UInt64(try row.int("from_block")),
            to: UInt64(try row.int("to_block")), operatorName: try row.text("operator"), status: try row.text("status"),
            report: try row.optionalText("report"), startedAt: try row.optionalInt("started_at")
        )
    }
}
