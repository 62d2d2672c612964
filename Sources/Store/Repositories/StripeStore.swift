/// The Stripe inbox (every verified event by its evt_ id) and the per-payment state rows.
/// Callers compose these inside one transaction with the outbox writes.
public enum StripeStore {
    public struct EventRow: Sendable, Equatable {
        public let id: String
        public let type: String
        public let created: Int64
        public let apiVersion: String?
        public let livemode: Bool
        public let payload: String
        public let receivedAtMillis: Int64
        public let outcome: String
        public let note: String?
        public let paymentIntent: String?

        public init(
            id: String, type: String, created: Int64, apiVersion: String?, livemode: Bool, payload: String,
            receivedAtMillis: Int64, outcome: String, note: String?, paymentIntent: String?
        ) {
            self.id = id
            self.type = type
            self.created = created
            self.apiVersion = apiVersion
            self.livemode = livemode
            self.payload = payload
            self.receivedAtMillis = receivedAtMillis
            self.outcome = outcome
            self.note = note
            self.paymentIntent = paymentIntent
        }
    }

    public struct PaymentRow: Sendable, Equatable {
        public let paymentIntent: String
        public let account: String?
        public let status: String
        public let amountCents: Int64?
        public let currency: String?
        public let parkedReason: String?
        public let stateJSON: String
        public let createdAtMillis: Int64
        public let updatedAtMillis: Int64
    }

    /// Records the event; false when its id was recorded before (a re-delivery).
    public static func insertEvent(_ event: EventRow, _ db: any SQLExecutor) async throws -> Bool {
        let rows = try await db.query(
            """
            INSERT INTO stripe_events (id, type, created, api_version, livemode, payload, received_at, outcome, note, payment_intent)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING RETURNING id
            """,
            [
                .text(event.id), .text(event.type), .int(event.created), .optional(event.apiVersion), .bool(event.livemode),
                .text(event.payload), .int(event.receivedAtMillis), .text(event.outcome), .optional(event.note),
                .optional(event.paymentIntent),
            ]
        )
        return !rows.isEmpty
    }

    public static func setOutcome(eventID: String, outcome: String, note: String?, _ db: any SQLExecutor) async throws {
        try await db.query("UPDATE stripe_events SET outcome = $1, note = $2 WHERE id = $3", [.text(outcome), .optional(note), .text(eventID)])
    }

    public static func countUnhandled(type: String, _ db: any SQLExecutor) async throws {
        try await db.query(
            """
            INSERT INTO stripe_unhandled_counts (type, count) VALUES ($1, 1)
            ON CONFLICT (type) DO UPDATE SET count = stripe_unhandled_counts.count + 1
            """,
            [.text(type)]
        )
    }

    /// The payment's state JSON, locked for this transaction; nil when the payment is new.
    /// A placeholder row is inserted first so two events for one payment serialize on it.
    public static func lockPayment(_ paymentIntent: String, now: Int64, _ db: any SQLExecutor) async throws -> String? {
        // One statement: the upsert creates the row or, as an update, locks the existing one
        // (PostgreSQL holds the row lock to the end of the transaction), and returns its state.
        let row = try await db.queryOne(
            """
            INSERT INTO stripe_payments (payment_intent, status, state, created_at, updated_at)
            VALUES ($1, 'new', '', $2, $2)
            ON CONFLICT (payment_intent) DO UPDATE SET updated_at = stripe_payments.updated_at
            RETURNING state
            """,
            [.text(paymentIntent), .int(now)]
        )
        let state = try row?.text("state") ?? ""
        return state.isEmpty ? nil : state
    }

    /// The payment's state JSON without locking (reconciliation's dry run); nil when unknown.
    public static func paymentState(_ paymentIntent: String, _ db: any SQLExecutor) async throws -> String? {
        let state = try await db.queryOne("SELECT state FROM stripe_payments WHERE payment_intent = $1", [.text(paymentIntent)])?
            .text("state") ?? ""
        return state.isEmpty ? nil : state
    }

    public static func savePayment(
        _ paymentIntent: String, account: String?, status: String, amountCents: Int64?, currency: String?,
        parkedReason: String?, stateJSON: String, now: Int64, _ db: any SQLExecutor
    ) async throws {
        try await db.query(
            """
            UPDATE stripe_payments SET account_id = $1, status = $2, amount_cents = $3, currency = $4, parked_reason = $5,
                state = $6, updated_at = $7 WHERE payment_intent = $8
            """,
            [
                .optional(account), .text(status), .optional(amountCents), .optional(currency), .optional(parkedReason),
                .text(stateJSON), .int(now), .text(paymentIntent),
            ]
        )
    }

    public static func payments(status: String?, limit: Int, _ db: any SQLExecutor) async throws -> [PaymentRow] {
        try await db.query(
            """
            SELECT \(paymentColumns) FROM stripe_payments WHERE status <> 'new' AND ($1 = '' OR status = $1)
            ORDER BY updated_at DESC, payment_intent LIMIT $2
            """,
            [.text(status ?? ""), .int(Int64(limit))]
        ).map(payment)
    }

    public static func payment(_ paymentIntent: String, _ db: any SQLExecutor) async throws -> PaymentRow? {
        try await db.queryOne("SELECT \(paymentColumns) FROM stripe_payments WHERE payment_intent = $1", [.text(paymentIntent)])
            .map(payment)
    }

    public static func events(paymentIntent: String, _ db: any SQLExecutor) async throws -> [EventRow] {
        try await db.query(
            "SELECT \(eventColumns) FROM stripe_events WHERE payment_intent = $1 ORDER BY received_at, id", [.text(paymentIntent)]
        ).map(event)
    }

    public static func event(_ id: String, _ db: any SQLExecutor) async throws -> EventRow? {
        try await db.queryOne("SELECT \(eventColumns) FROM stripe_events WHERE id = $1", [.text(id)]).map(event)
    }

    public static func unhandledCounts(_ db: any SQLExecutor) async throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for row in try await db.query("SELECT type, count FROM stripe_unhandled_counts") {
            counts[try row.text("type")] = try row.int("count")
        }
        return counts
    }

    static let paymentColumns = "payment_intent, account_id, status, amount_cents, currency, parked_reason, state, created_at, updated_at"
    static let eventColumns = "id, type, created, api_version, livemode, payload, received_at, outcome, note, payment_intent"

    static func payment(_ row: SQLRow) throws -> PaymentRow {
        PaymentRow(
            paymentIntent: try row.text("payment_intent"), account: try row.optionalText("account_id"),
            status: try row.text("status"), amountCents: try row.optionalInt("amount_cents"),
            currency: try row.optionalText("currency"), parkedReason: try row.optionalText("parked_reason"),
            stateJSON: try row.text("state"), createdAtMillis: try row.int("created_at"), updatedAtMillis: try row.int("updated_at")
        )
    }

    static func event(_ row: SQLRow) throws -> EventRow {
        EventRow(
            id: try row.text("id"), type: try row.text("type"), created: try row.int("created"),
            apiVersion: try row.optionalText("api_version"), livemode: try row.bool("livemode"),
            payload: try row.text("payload"), receivedAtMillis: try row.int("received_at"), outcome: try row.text("outcome"),
            note: try row.optionalText("note"), paymentIntent: try row.optionalText("payment_intent")
        )
    }
}
