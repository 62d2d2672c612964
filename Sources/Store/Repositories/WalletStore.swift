import GatewayCore

/// The wallet's ledger: accounts, append-only entries, balances that move with them.
public struct WalletStore: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    /// Creates the account in `currency` if new. Returns it and whether this call created it;
    /// an existing account keeps its currency, whatever this call asked for (the caller
    /// compares).
    public func createAccount(_ id: AccountID, currency: Currency = .usd, now: Int64) async throws -> (Account, created: Bool) {
        try await database.transaction { db in
            let inserted = try await db.query(
                "INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ($1, $2, 0, $3) ON CONFLICT (id) DO NOTHING RETURNING id",
                [.text(id.rawValue), .text(currency.code), .int(now)]
            )
            guard let account = try await Self.account(id, db) else {
                throw StoreError.decoding("account \(id) vanished after insert")
            }
            return (account, !inserted.isEmpty)
        }
    }

    public func account(_ id: AccountID) async throws -> Account? {
        try await database.transaction { db in try await Self.account(id, db) }
    }

    public static func account(_ id: AccountID, _ db: any SQLExecutor) async throws -> Account? {
        guard let row = try await db.queryOne(
            "SELECT id, currency, balance_cents, created_at FROM accounts WHERE id = $1", [.text(id.rawValue)]
        ) else { return nil }
        return Account(
            id: id, balance: Money(try row.int("balance_cents"), try Currency(try row.text("currency"))),
            createdAtMillis: try row.int("created_at")
        )
    }

    /// Applies a post exactly once per idempotency key.
    ///
    /// The account row is locked first (PostgreSQL `FOR UPDATE`; SQLite has one writer), then the
    /// key is looked up, so two concurrent posts with one key serialize and the second sees the
    /// first. A key reused on *another* account can still race to the unique index; that loser
    /// retries once and then sees the winner.
    public func post(_ post: LedgerPost, now: Int64) async throws -> PostResult {
        do {
            return try await attempt(post, now: now)
        } catch StoreError.uniqueViolation {
            return try await attempt(post, now: now)
        }
    }

    private func attempt(_ post: LedgerPost, now: Int64) async throws -> PostResult {
        try await database.transaction { db in
            // The account lock first (PostgreSQL): a second post of the same key waits here
            // until the first commits, then finds its entry below instead of applying the
            // balance rule to a balance the first already changed.
            let accountRow = try await db.queryOne(
                "SELECT currency, balance_cents FROM accounts WHERE id = $1 \(db.dialect.forUpdate)", [.text(post.account.rawValue)]
            )
            if let existing = try await db.queryOne(
                "SELECT \(Self.entryColumns), request_hash FROM ledger_entries WHERE idempotency_key = $1", [.text(post.key.rawValue)]
            ) {
                let entry = try Self.entry(existing)
                // The hash leaves the currency out (rows from before currencies omit it), so a
                // replay that names another currency than the entry's is refused here.
                if let requested = post.currency, requested != entry.amount.currency {
                    return .currencyMismatch(account: entry.amount.currency, requested: requested)
                }
                return try existing.text("request_hash") == post.requestHash ? .replayed(entry) : .idempotencyConflict(existing: entry)
            }
            guard let accountRow else { return .unknownAccount }
            let balance = Money(try accountRow.int("balance_cents"), try Currency(try accountRow.text("currency")))
            let next: Money
            switch BalanceRule.apply(post, to: balance) {
            case .success(let value): next = value
            case .failure(.currencyMismatch): return .currencyMismatch(account: balance.currency, requested: post.currency ?? balance.currency)
            case .failure(.overflow): return .overflow
            case .failure(.insufficientFunds): return .insufficientFunds(balance: balance)
            }
            try await db.query(
                "UPDATE accounts SET balance_cents = $1 WHERE id = $2", [.int(next.minor), .text(post.account.rawValue)]
            )
            let amount = post.signedAmount(in: balance.currency)
            let inserted = try await db.queryOne(
                """
                INSERT INTO ledger_entries (account_id, idempotency_key, request_hash, kind, amount_cents,
                    balance_after_cents, currency, reference, description, details, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id
                """,
                [
                    .text(post.account.rawValue), .text(post.key.rawValue), .text(post.requestHash),
                    .text(post.kind.rawValue), .int(amount.minor), .int(next.minor), .text(next.currency.code),
                    .text(post.reference), .text(post.description), .text(post.detailsJSON), .int(now),
                ]
            )
            guard let id = try inserted?.int("id") else { throw StoreError.decoding("insert returned no id") }
            return .created(LedgerEntry(
                id: id, account: post.account, key: post.key, kind: post.kind, amount: amount,
                balanceAfter: next, reference: post.reference, description: post.description,
                detailsJSON: post.detailsJSON, createdAtMillis: now
            ))
        }
    }

    /// Newest first; `startingAfter` is the id of the last entry of the previous page.
    public func history(_ account: AccountID, limit: Int, startingAfter: Int64?) async throws -> [LedgerEntry] {
        try await database.transaction { db in
            let rows = try await db.query(
                """
                SELECT \(Self.entryColumns) FROM ledger_entries
                WHERE account_id = $1 AND ($2 < 0 OR id < $2)
                ORDER BY id DESC LIMIT $3
                """,
                [.text(account.rawValue), .int(startingAfter ?? -1), .int(Int64(limit))]
            )
            return try rows.map(Self.entry)
        }
    }

    public func entry(key: IdempotencyKey) async throws -> LedgerEntry? {
        try await database.transaction { db in try await Self.entry(key: key, db) }
    }

    /// Every entry, in id order, a page at a time (for reconciliation).
    public func entries(afterID: Int64, limit: Int) async throws -> [LedgerEntry] {
        try await database.transaction { db in
            try await db.query(
                "SELECT \(Self.entryColumns) FROM ledger_entries WHERE id > $1 ORDER BY id LIMIT $2",
                [.int(afterID), .int(Int64(limit))]
            ).map(Self.entry)
        }
    }

    /// Accounts whose stored balance differs from the sum of their entries.
    public func balanceMismatches() async throws -> [BalanceMismatch] {
        try await database.transaction { db in
            try await db.query(
                """
                SELECT a.id AS id, a.currency AS currency, a.balance_cents AS stored,
                       CAST(COALESCE((SELECT SUM(e.amount_cents) FROM ledger_entries e WHERE e.account_id = a.id), 0) AS BIGINT) AS computed
                FROM accounts a ORDER BY a.id
                """
            ).compactMap { row in
                let stored = try row.int("stored"), computed = try row.int("computed")
                guard stored != computed else { return nil }
                let currency = try Currency(try row.text("currency"))
                return BalanceMismatch(account: try AccountID(try row.text("id")), stored: Money(stored, currency), computed: Money(computed, currency))
            }
        }
    }

    /// The currency of each of `ids` that exists.
    public static func currencies(of ids: [AccountID], _ db: any SQLExecutor) async throws -> [AccountID: Currency] {
        var found: [AccountID: Currency] = [:]
        for id in Set(ids) {
            if let row = try await db.queryOne("SELECT currency FROM accounts WHERE id = $1", [.text(id.rawValue)]) {
                found[id] = try Currency(try row.text("currency"))
            }
        }
        return found
    }

    /// The sum of balances per currency and how many accounts hold it, for the overview.
    public func totals() async throws -> [(total: Money, accounts: Int)] {
        try await database.transaction { db in
            try await db.query(
                """
                SELECT currency, CAST(SUM(balance_cents) AS BIGINT) AS total, COUNT(*) AS accounts
                FROM accounts GROUP BY currency ORDER BY currency
                """
            ).map { (Money(try $0.int("total"), try Currency(try $0.text("currency"))), Int(try $0.int("accounts"))) }
        }
    }

    public func accountCount() async throws -> Int {
        try await database.transaction { db in
            Int(try await db.queryOne("SELECT COUNT(*) AS n FROM accounts")?.int("n") ?? 0)
        }
    }

    static let entryColumns =
        "id, account_id, idempotency_key, kind, amount_cents, balance_after_cents, currency, reference, description, details, created_at"

    static func entry(key: IdempotencyKey, _ db: any SQLExecutor) async throws -> LedgerEntry? {
        try await db.queryOne(
            "SELECT \(entryColumns) FROM ledger_entries WHERE idempotency_key = $1", [.text(key.rawValue)]
        ).map(entry)
    }

    static func entry(_ row: SQLRow) throws -> LedgerEntry {
        LedgerEntry(
            id: try row.int("id"),
            account: try AccountID(try row.text("account_id")),
            key: try IdempotencyKey(try row.text("idempotency_key")),
            kind: try EntryKind(wire: try row.text("kind")),
            amount: Money(try row.int("amount_cents"), try Currency(try row.text("currency"))),
            balanceAfter: Money(try row.int("balance_after_cents"), try Currency(try row.text("currency"))),
            reference: try row.text("reference"),
            description: try row.text("description"),
            detailsJSON: try row.text("details"),
            createdAtMillis: try row.int("created_at")
        )
    }
}

public struct BalanceMismatch: Sendable, Equatable {
    public let account: AccountID
    public let stored: Money
    public let computed: Money
}
