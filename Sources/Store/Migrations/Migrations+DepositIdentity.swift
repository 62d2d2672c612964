extension Migrations {
    /// Rebuilds `deposits` with an `identity` column, without the old UNIQUE (chain, tx, log
    /// index): the block-level log index is data now and moves with a re-included
    /// transaction, so two rows of one transaction may swap it. (SQLite cannot drop a table
    /// constraint; a rebuild is the portable way. Row ids are renumbered in their order; no
    /// other table refers to them.)
    static let depositIdentity = Migration(version: 8, name: "deposits: a stable identity (chain, tx, asset, ordinal)", statements: [
        // An older watcher still running must not write rows the copy below would miss: its
        // writes wait for this transaction, then fail on the new schema and are retried.
        Migration.postgresOnly + "LOCK TABLE deposits IN EXCLUSIVE MODE",
        """
        CREATE TABLE deposits_v8 (
            id {ID},
            deposit_key TEXT NOT NULL UNIQUE,
            identity TEXT,
            chain_id BIGINT NOT NULL,
            tx_hash TEXT NOT NULL,
            log_index BIGINT NOT NULL,
            account_id TEXT NOT NULL,
            address TEXT NOT NULL,
            asset TEXT NOT NULL,
            amount_units TEXT NOT NULL,
            block_number BIGINT NOT NULL,
            block_hash TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            usd_cents BIGINT,
            exact_usd TEXT,
            rate_pair TEXT,
            rate_field TEXT,
            rate_price TEXT,
            rate_source TEXT,
            rate_fetched_at BIGINT,
            seen_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            credited_at BIGINT
        )
        """,
        // ETH deposits are one per transaction: their identity is known now. A USDT row of the
        // old format gets its identity when the watcher or `reconcile chain` sees its log again.
        // Keys already written stay as they are.
        """
        INSERT INTO deposits_v8 (deposit_key, identity, chain_id, tx_hash, log_index, account_id, address, asset, amount_units,
            block_number, block_hash, status, reason, usd_cents, exact_usd, rate_pair, rate_field, rate_price, rate_source,
            rate_fetched_at, seen_at, updated_at, credited_at)
        SELECT deposit_key,
            CASE WHEN asset = 'ETH' AND log_index = -1 THEN CAST(chain_id AS TEXT) || ':' || LOWER(tx_hash) || ':eth:-1' ELSE NULL END,
            chain_id, tx_hash, log_index, account_id, address, asset, amount_units, block_number, block_hash, status, reason,
            usd_cents, exact_usd, rate_pair, rate_field, rate_price, rate_source, rate_fetched_at, seen_at, updated_at, credited_at
        FROM deposits ORDER BY id
        """,
        "DROP TABLE deposits",
        "ALTER TABLE deposits_v8 RENAME TO deposits",
        "CREATE UNIQUE INDEX deposits_identity ON deposits (identity)",
        "CREATE INDEX deposits_by_tx ON deposits (chain_id, tx_hash)",
        "CREATE INDEX deposits_by_status ON deposits (status, block_number)",
        "CREATE INDEX deposits_by_account ON deposits (account_id, id)",
    ])
}
