import GatewayCore

/// A card top-up: the Checkout Session the gateway created for an account, and what became of
/// it. Written when Stripe has answered; linked to its PaymentIntent by the session's events.
public struct CardTopup: Sendable, Equatable {
    /// `open` until a session event says `complete`, `expired` or `failed`.
    public enum Status: String, Sendable, CaseIterable {
        case open, complete, expired, failed
    }

    public var account: AccountID
    /// The caller's `Idempotency-Key`, scoped to the account.
    public var callerKey: IdempotencyKey
    /// What the caller asked for, hashed: the same key with another request is a conflict.
    public var requestHash: String
    public var amount: Money
    public var sessionID: String
    public var url: String?
    public var expiresAtMillis: Int64?
    public var livemode: Bool
    public var status: Status
    public var paymentIntent: String?
    public var createdAtMillis: Int64
    public var updatedAtMillis: Int64

    public init(
        account: AccountID, callerKey: IdempotencyKey, requestHash: String, amount: Money, sessionID: String, url: String?,
        expiresAtMillis: Int64?, livemode: Bool, status: Status = .open, paymentIntent: String? = nil,
        createdAtMillis: Int64, updatedAtMillis: Int64
    ) {
        self.account = account
        self.callerKey = callerKey
        self.requestHash = requestHash
        self.amount = amount
        self.sessionID = sessionID
        self.url = url
        self.expiresAtMillis = expiresAtMillis
        self.livemode = livemode
        self.status = status
        self.paymentIntent = paymentIntent
        self.createdAtMillis = createdAtMillis
        self.updatedAtMillis = updatedAtMillis
    }
}

public struct CardTopupStore: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    public func find(account: AccountID, callerKey: IdempotencyKey) async throws -> CardTopup? {
        try await database.transaction { db in
            try await db.queryOne(
                "SELECT \(Self.columns) FROM card_topups WHERE account_id = $1 AND caller_key = $2",
                [.text(account.rawValue), .text(callerKey.rawValue)]
            ).map(Self.topup)
        }
    }

    /// Records a session. If another request under the same key recorded one first, that row
    /// stays and is returned, with `inserted` false.
    public func insert(_ topup: CardTopup) async throws -> (CardTopup, inserted: Bool) {
        try await database.transaction { db in
            let inserted = try await db.query(
                """
                INSERT INTO card_topups (account_id, caller_key, request_hash, amount_minor, currency, session_id, url, expires_at,
                    livemode, status, payment_intent, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
                ON CONFLICT DO NOTHING RETURNING id
                """,
                [
                    .text(topup.account.rawValue), .text(topup.callerKey.rawValue), .text(topup.requestHash), .int(topup.amount.minor),
                    .text(topup.amount.currency.code), .text(topup.sessionID), topup.url.map(SQLValue.text) ?? .null,
                    topup.expiresAtMillis.map(SQLValue.int) ?? .null, .bool(topup.livemode), .text(topup.status.rawValue),
                    topup.paymentIntent.map(SQLValue.text) ?? .null, .int(topup.createdAtMillis),
                ]
            )
            let stored = try await db.queryOne(
                "SELECT \(Self.columns) FROM card_topups WHERE (account_id = $1 AND caller_key = $2) OR session_id = $3 ORDER BY id LIMIT 1",
                [.text(topup.account.rawValue), .text(topup.callerKey.rawValue), .text(topup.sessionID)]
            ).map(Self.topup)
            guard let stored else { throw StoreError.decoding("card top-up vanished after insert") }
            return (stored, !inserted.isEmpty)
        }
    }

    /// A session event: links the session to its PaymentIntent and moves its status, in the
    /// event's transaction. Sessions the gateway did not create are not recorded here.
    public static func sessionEvent(
        session: String, paymentIntent: String?, status: CardTopup.Status?, now: Int64, _ db: any SQLExecutor
    ) async throws {
        // A later event never takes a finished session back to open, nor changes its outcome.
        try await db.query(
            """
            UPDATE card_topups SET payment_intent = COALESCE(payment_intent, $2),
                status = CASE WHEN status = 'open' AND $3 <> '' THEN $3 ELSE status END, updated_at = $4
            WHERE session_id = $1
            """,
            [.text(session), paymentIntent.map(SQLValue.text) ?? .null, .text(status?.rawValue ?? ""), .int(now)]
        )
    }

    public func topup(paymentIntent: String) async throws -> CardTopup? {
        try await database.transaction { db in
            try await db.queryOne(
                "SELECT \(Self.columns) FROM card_topups WHERE payment_intent = $1 ORDER BY id LIMIT 1", [.text(paymentIntent)]
            ).map(Self.topup)
        }
    }

    public func topup(session: String) async throws -> CardTopup? {
        try await database.transaction { db in
            try await db.queryOne("SELECT \(Self.columns) FROM card_topups WHERE session_id = $1", [.text(session)]).map(Self.topup)
        }
    }

    /// Completed sessions whose payment is not credited (or not known at all), oldest first:
    /// what `reconcile stripe` reports.
    public func completedWithoutCredit(limit: Int) async throws -> [(CardTopup, paymentStatus: String?)] {
        try await database.transaction { db in
            try await db.query(
                """
                SELECT t.account_id, t.caller_key, t.request_hash, t.amount_minor, t.currency, t.session_id, t.url, t.expires_at,
                    t.livemode, t.status, t.payment_intent, t.created_at, t.updated_at, p.status AS payment_status
                FROM card_topups t LEFT JOIN stripe_payments p ON p.payment_intent = t.payment_intent
                WHERE t.status = 'complete'
                    AND (p.status IS NULL OR p.status NOT IN \(CardPayment.sqlCreditedStatuses))
                ORDER BY t.id LIMIT $1
                """,
                [.int(Int64(limit))]
            ).map { (try Self.topup($0), try $0.optionalText("payment_status")) }
        }
    }

    /// Sessions still open by our records, created in a window, oldest first: `reconcile stripe`
    /// asks Stripe about each.
    public func open(createdFrom: Int64, to: Int64, limit: Int) async throws -> [CardTopup] {
        try await database.transaction { db in
            try await db.query(
                "SELECT \(Self.columns) FROM card_topups WHERE status = 'open' AND created_at >= $1 AND created_at <= $2 ORDER BY id LIMIT $3",
                [.int(createdFrom), .int(to), .int(Int64(limit))]
            ).map(Self.topup)
        }
    }

    static let columns = """
        account_id, caller_key, request_hash, amount_minor, currency, session_id, url, expires_at, livemode, status, \
        payment_intent, created_at, updated_at
        """

    static func topup(_ row: SQLRow) throws -> CardTopup {
        guard let status = CardTopup.Status(rawValue: try row.text("status")) else {
            throw StoreError.decoding("card top-up with an unknown status")
        }
        return CardTopup(
            account: try AccountID(try row.text("account_id")), callerKey: try IdempotencyKey(try row.text("caller_key")),
            requestHash: try row.text("request_hash"),
            amount: Money(try row.int("amount_minor"), try Currency(try row.text("currency"))),
            sessionID: try row.text("session_id"), url: try row.optionalText("url"), expiresAtMillis: try row.optionalInt("expires_at"),
            livemode: try row.bool("livemode"), status: status, paymentIntent: try row.optionalText("payment_intent"),
            createdAtMillis: try row.int("created_at"), updatedAtMillis: try row.int("updated_at")
        )
    }
}
