extension Migrations {
    /// Accounts hold one currency each, chosen at creation; entries, outbox rows and deposit
    /// credits name theirs; card top-ups started by the gateway are recorded.
    ///
    /// Amount columns keep their `_cents` names: they hold minor units of the row's currency
    /// (cents for USD and EUR, yen for JPY). Renaming them would break every older binary still
    /// running during a rolling upgrade for no change in meaning.
    static let currencies = Migration(version: 13, name: "currencies per account; card top-ups", statements: [
        // The column-level CHECK (currency = 'USD') goes with the column (SQLite ≥ 3.35 drops a
        // column whose only constraint is its own CHECK); every existing account is USD.
        "ALTER TABLE accounts DROP COLUMN currency",
        "ALTER TABLE accounts ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD'",
        "ALTER TABLE ledger_entries ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD'",
        // NULL on rows written before: their body means the account's currency.
        "ALTER TABLE outbox ADD COLUMN currency TEXT",
        // The currency of a deposit's credit (`usd_cents` holds its minor units); NULL is USD.
        "ALTER TABLE deposits ADD COLUMN currency TEXT",
        // A Checkout Session the gateway created for an account. The caller's key is scoped to
        // the account; `request_hash` tells a replay from another request under the same key.
        """
        CREATE TABLE card_topups (
            id {ID},
            account_id TEXT NOT NULL,
            caller_key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            amount_minor BIGINT NOT NULL,
            currency TEXT NOT NULL,
            session_id TEXT NOT NULL UNIQUE,
            url TEXT,
            expires_at BIGINT,
            livemode BIGINT NOT NULL,
            status TEXT NOT NULL,
            payment_intent TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            UNIQUE (account_id, caller_key)
        )
        """,
        "CREATE INDEX card_topups_by_payment ON card_topups (payment_intent)",
        "CREATE INDEX card_topups_by_status ON card_topups (status, id)",
    ])
}
