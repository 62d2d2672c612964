/// The queue of charges whose refunds `StripeRefundFetcher` lists from Stripe's API.
public enum RefundFetchStore {
    public struct Row: Sendable, Equatable {
        public let charge: String
        public let paymentIntent: String
        public let requestedAtMillis: Int64
        public let attempts: Int64
        public let lastError: String?
    }

    /// Queues (or re-arms) a charge, in the caller's transaction.
    public static func request(charge: String, paymentIntent: String, now: Int64, _ db: any SQLExecutor) async throws {
        try await db.query(
            """
            INSERT INTO stripe_refund_fetches (charge_id, payment_intent, requested_at, attempts, next_attempt_at)
            VALUES ($1, $2, $3, 0, $3)
            ON CONFLICT (charge_id) DO UPDATE SET requested_at = $3, next_attempt_at = $3, attempts = 0, done_at = NULL
            """,
            [.text(charge), .text(paymentIntent), .int(now)]
        )
    }

    public static func due(now: Int64, limit: Int, _ db: any SQLExecutor) async throws -> [Row] {
        try await db.query(
            """
            SELECT charge_id, payment_intent, requested_at, attempts, last_error FROM stripe_refund_fetches
            WHERE done_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, charge_id LIMIT $2
            """,
            [.int(now), .int(Int64(limit))]
        ).map(row)
    }

    /// How many charges are still waiting (the metric, every round).
    public static func waitingCount(_ db: any SQLExecutor) async throws -> Int {
        Int(try await db.queryOne("SELECT COUNT(*) AS n FROM stripe_refund_fetches WHERE done_at IS NULL")?.int("n") ?? 0)
    }

    /// The charges of one payment still waiting, for `payments show`.
    public static func waiting(paymentIntent: String, _ db: any SQLExecutor) async throws -> [Row] {
        try await db.query(
            """
            SELECT charge_id, payment_intent, requested_at, attempts, last_error FROM stripe_refund_fetches
            WHERE done_at IS NULL AND payment_intent = $1 ORDER BY requested_at, charge_id
            """,
            [.text(paymentIntent)]
        ).map(row)
    }

    /// Done, unless the charge was re-armed after this fetch began (`requestedAt` changed).
    public static func finish(charge: String, requestedAt: Int64, now: Int64, _ db: any SQLExecutor) async throws {
        try await db.query(
            "UPDATE stripe_refund_fetches SET done_at = $1, last_error = NULL WHERE charge_id = $2 AND requested_at = $3",
            [.int(now), .text(charge), .int(requestedAt)]
        )
    }

    public static func fail(charge: String, error: String, retryAt: Int64, _ db: any SQLExecutor) async throws {
        try await db.query(
            "UPDATE stripe_refund_fetches SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE charge_id = $3",
            [.text(error), .int(retryAt), .text(charge)]
        )
    }

    static func row(_ row: SQLRow) throws -> Row {
        Row(
            charge: try row.text("charge_id"), paymentIntent: try row.text("payment_intent"),
            requestedAtMillis: try row.int("requested_at"), attempts: try row.int("attempts"),
            lastError: try row.optionalText("last_error")
        )
    }
}
