import Foundation
import GatewayCore

/// The outbox: written inside the transaction of the fact that causes a credit, drained by
/// the worker, never deleted.
public struct OutboxStore: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    /// Adds a row in the caller's transaction. A key already present is left as it is (the fact
    /// was recorded before); returns whether a row was inserted.
    @discardableResult
    public static func enqueue(_ request: OutboxRequest, now: Int64, _ db: any SQLExecutor) async throws -> Bool {
        let rows = try await db.query(
            """
            INSERT INTO outbox (idempotency_key, account_id, direction, amount_cents, kind, reference, description,
                details, allow_negative, status, attempts, next_attempt_at, created_at, updated_at, currency)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $10, $10, $11)
            ON CONFLICT (idempotency_key) DO NOTHING RETURNING id
            """,
            [
                .text(request.key.rawValue), .text(request.account.rawValue), .text(request.direction.rawValue),
                .int(request.amount.value), .text(request.kind.rawValue), .text(request.reference),
                .text(request.description), .text(request.detailsJSON), .bool(request.allowNegative), .int(now),
                .text(request.currency.code),
            ]
        )
        return !rows.isEmpty
    }

    public static func exists(key: String, _ db: any SQLExecutor) async throws -> Bool {
        try await db.queryOne("SELECT 1 AS one FROM outbox WHERE idempotency_key = $1", [.text(key)]) != nil
    }

    /// The signed cents of each of `keys` already in the outbox (absent keys are left out).
    public static func signedCents(keys: [String], _ db: any SQLExecutor) async throws -> [String: Int64] {
        var found: [String: Int64] = [:]
        for key in keys {
            guard let row = try await db.queryOne(
                "SELECT direction, amount_cents FROM outbox WHERE idempotency_key = $1", [.text(key)]
            ) else { continue }
            let cents = try row.int("amount_cents")
            found[key] = try row.text("direction") == Direction.debit.rawValue ? -cents : cents
        }
        return found
    }

    /// Claims up to `limit` due rows for `leaseMillis`, marking them with `token`.
    ///
    /// A claim is a lease, not a status: a worker that dies mid-delivery leaves rows whose
    /// lease simply runs out, and another worker picks them up. On PostgreSQL `SKIP LOCKED`
    /// keeps concurrent workers off each other's rows; the wallet's idempotency key makes even a
    /// double delivery after a lease expiry harmless.
    public func claimDue(limit: Int, now: Int64, leaseMillis: Int64, token: String) async throws -> [OutboxItem] {
        try await database.transaction { db in
            try await db.query(
                """
                UPDATE outbox SET claimed_until = $1, claim_token = $2
                WHERE id IN (
                    SELECT id FROM outbox
                    WHERE status IN \(OutboxStatus.sqlList(OutboxStatus.undelivered)) AND next_attempt_at <= $3
                      AND (claimed_until IS NULL OR claimed_until < $3)
                    ORDER BY next_attempt_at, id LIMIT $4 \(db.dialect.forUpdateSkipLocked)
                )
                RETURNING \(Self.columns)
                """,
                [.int(now + leaseMillis), .text(token), .int(now), .int(Int64(limit))]
            ).map(Self.item).sorted { $0.id < $1.id }
        }
    }

    /// Persists the state a delivery attempt led to, if the claim is still ours.
    @discardableResult
    public func record(id: Int64, token: String, state: OutboxState, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            let rows = try await db.query(
                """
                UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4,
                    parked_reason = $5, wallet_entry_id = $6, updated_at = $7,
                    delivered_at = CASE WHEN $1 = 'delivered' THEN $7 ELSE delivered_at END,
                    claimed_until = NULL, claim_token = NULL
                WHERE id = $8 AND claim_token = $9 RETURNING id
                """,
                [
                    .text(state.status.rawValue), .int(Int64(state.attempts)), .int(state.nextAttemptAtMillis),
                    .optional(state.lastError), .optional(state.parkedReason), .optional(state.walletEntryID),
                    .int(now), .int(id), .text(token),
                ]
            )
            return !rows.isEmpty
        }
    }

    public func item(id: Int64) async throws -> OutboxItem? {
        try await database.transaction { db in
            try await db.queryOne("SELECT \(Self.columns) FROM outbox WHERE id = $1", [.int(id)]).map(Self.item)
        }
    }

    public func item(key: IdempotencyKey) async throws -> OutboxItem? {
        try await database.transaction { db in
            try await db.queryOne("SELECT \(Self.columns) FROM outbox WHERE idempotency_key = $1", [.text(key.rawValue)])
                .map(Self.item)
        }
    }

    /// Rows in id order, optionally of one status, a page at a time.
    public func list(status: OutboxStatus?, afterID: Int64 = 0, limit: Int) async throws -> [OutboxItem] {
        try await database.transaction { db in
            try await db.query(
                """
                SELECT \(Self.columns) FROM outbox WHERE ($1 = '' OR status = $1) AND id > $2 ORDER BY id LIMIT $3
                """,
                [.text(status?.rawValue ?? ""), .int(afterID), .int(Int64(limit))]
            ).map(Self.item)
        }
    }

    /// Rows of one kind created in [from, to] (ms), in id order, a page at a time.
    public func list(kind: EntryKind, createdFrom from: Int64, to: Int64, afterID: Int64, limit: Int) async throws -> [OutboxItem] {
        try await database.transaction { db in
            try await db.query(
                """
                SELECT \(Self.columns) FROM outbox WHERE kind = $1 AND created_at >= $2 AND created_at <= $3 AND id > $4
                ORDER BY id LIMIT $5
                """,
                [.text(kind.rawValue), .int(from), .int(to), .int(afterID), .int(Int64(limit))]
            ).map(Self.item)
        }
    }

    /// Rows whose details JSON contains `fragment` verbatim (e.g. `"stripe_payment_intent":"pi_…"`),
    /// in id order: a payment's ledger effects without scanning the whole outbox.
    public func list(detailsContaining fragment: String, limit: Int) async throws -> [OutboxItem] {
        // LIKE wildcards in ids (`_` is common: pi_…) are escaped so they match only themselves.
        let escaped = fragment.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        return try await database.transaction { db in
            try await db.query(
                "SELECT \(Self.columns) FROM outbox WHERE details LIKE $1 ESCAPE '\\' ORDER BY id LIMIT $2",
                [.text("%\(escaped)%"), .int(Int64(limit))]
            ).map(Self.item)
        }
    }

    /// An operator's retry of one row: back in the queue, due now. Nil if unknown; unchanged
    /// (and reported) if already delivered.
    public func retry(id: Int64, now: Int64) async throws -> OutboxItem? {
        try await database.transaction { db in try await Self.retry(id: id, now: now, db) }
    }

    public static func retry(id: Int64, now: Int64, _ db: any SQLExecutor) async throws -> OutboxItem? {
        guard let item = try await db.queryOne("SELECT \(Self.columns) FROM outbox WHERE id = $1", [.int(id)]).map(Self.item)
        else { return nil }
        guard let next = item.state.retried(now: now) else { return item }
        try await Self.write(id: id, state: next, now: now, db)
        var updated = item
        updated.state = next
        return updated
    }

    /// Sends a delivered row again (the wallet lost its entry); nil if unknown or not delivered.
    public static func redeliver(id: Int64, now: Int64, _ db: any SQLExecutor) async throws -> OutboxItem? {
        guard let item = try await db.queryOne("SELECT \(Self.columns) FROM outbox WHERE id = $1 \(db.dialect.forUpdate)", [.int(id)]).map(Self.item),
              let next = item.state.redelivered(now: now) else { return nil }
        try await Self.write(id: id, state: next, now: now, db)
        var updated = item
        updated.state = next
        return updated
    }

    /// Requeues every parked row; returns how many.
    public func retryAllParked(now: Int64) async throws -> Int {
        try await database.transaction { db in try await Self.retryAllParked(now: now, db) }
    }

    public static func retryAllParked(now: Int64, _ db: any SQLExecutor) async throws -> Int {
        try await db.query(
            """
            UPDATE outbox SET status = 'pending', parked_reason = NULL, attempts = 0, next_attempt_at = $1,
                updated_at = $1, claimed_until = NULL, claim_token = NULL
            WHERE status = 'parked' RETURNING id
            """,
            [.int(now)]
        ).count
    }

    /// Backlog figures for metrics and `/readyz`-style summaries.
    public func stats(now: Int64) async throws -> OutboxStats {
        try await database.transaction { db in
            var counts: [OutboxStatus: Int] = [:]
            for row in try await db.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                if let status = OutboxStatus(rawValue: try row.text("status")) { counts[status] = Int(try row.int("n")) }
            }
            let oldest = try await db.queryOne(
                "SELECT CAST(MIN(created_at) AS BIGINT) AS oldest FROM outbox WHERE status IN \(OutboxStatus.sqlList(OutboxStatus.undelivered))"
            )?.optionalInt("oldest")
            return OutboxStats(counts: counts, oldestUndeliveredAgeMillis: oldest.map { max(0, now - $0) })
        }
    }

    static func write(id: Int64, state: OutboxState, now: Int64, _ db: any SQLExecutor) async throws {
        try await db.query(
            """
            UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, parked_reason = $5,
                updated_at = $6, claimed_until = NULL, claim_token = NULL WHERE id = $7
            """,
            [
                .text(state.status.rawValue), .int(Int64(state.attempts)), .int(state.nextAttemptAtMillis),
                .optional(state.lastError), .optional(state.parkedReason), .int(now), .int(id),
            ]
        )
    }

    static let columns = """
        id, idempotency_key, account_id, direction, amount_cents, kind, reference, description, details,
        allow_negative, status, attempts, next_attempt_at, last_error, parked_reason, wallet_entry_id, created_at, currency
        """

    static func item(_ row: SQLRow) throws -> OutboxItem {
        guard let direction = Direction(rawValue: try row.text("direction")),
              let status = OutboxStatus(rawValue: try row.text("status")) else {
            throw StoreError.decoding("outbox row has an unknown direction or status")
        }
        return OutboxItem(
            id: try row.int("id"),
            key: try IdempotencyKey(try row.text("idempotency_key")),
            account: try AccountID(try row.text("account_id")),
            direction: direction,
            amount: try PositiveCents(try row.int("amount_cents")),
            currency: try row.optionalText("currency").map { code throws in try Currency(code) },
            kind: try EntryKind(wire: try row.text("kind")),
            reference: try row.text("reference"),
            description: try row.text("description"),
            detailsJSON: try row.text("details"),
            allowNegative: try row.bool("allow_negative"),
            state: OutboxState(
                status: status,
                attempts: Int(try row.int("attempts")),
                nextAttemptAtMillis: try row.int("next_attempt_at"),
                lastError: try row.optionalText("last_error"),
                parkedReason: try row.optionalText("parked_reason"),
                walletEntryID: try row.optionalText("wallet_entry_id")
            ),
            createdAtMillis: try row.int("created_at")
        )
    }
}

public struct OutboxStats: Sendable, Equatable {
    public var counts: [OutboxStatus: Int]
    public var oldestUndeliveredAgeMillis: Int64?
}
