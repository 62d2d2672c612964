extension Migrations {
    /// Deposit addresses per chain: an account has at most one address on each chain (its
    /// Ethereum address and its Tron address), not one in all. The old rows are Ethereum's.
    /// SQLite cannot drop the old UNIQUE (account_id), so the table is rebuilt; row ids are
    /// kept, because every watcher's address book pages through them. `chain` defaults to
    /// Ethereum so that an older binary still running during an upgrade inserts what it always
    /// did; enable TRON_XPUB only once no older binary serves the API (its lookup by account
    /// alone could return a Tron row).
    static let addressesPerChain = Migration(version: 11, name: "deposit addresses: one per account and chain", statements: [
        Migration.postgresOnly + "LOCK TABLE deposit_addresses IN EXCLUSIVE MODE",
        """
        CREATE TABLE deposit_addresses_v11 (
            id {ID},
            account_id TEXT NOT NULL,
            chain TEXT NOT NULL DEFAULT 'ethereum',
            key_id TEXT NOT NULL,
            address_index BIGINT NOT NULL,
            address TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            UNIQUE (account_id, chain),
            UNIQUE (chain, address),
            UNIQUE (key_id, address_index)
        )
        """,
        """
        INSERT INTO deposit_addresses_v11 (id, account_id, chain, key_id, address_index, address, created_at)
        SELECT id, account_id, 'ethereum', key_id, address_index, address, created_at FROM deposit_addresses ORDER BY id
        """,
        "DROP TABLE deposit_addresses",
        "ALTER TABLE deposit_addresses_v11 RENAME TO deposit_addresses",
        // Each chain's address book pages through its own rows.
        "CREATE INDEX deposit_addresses_by_chain ON deposit_addresses (chain, id)",
        // Explicit ids leave PostgreSQL's identity sequence behind: move it past them.
        Migration.postgresOnly
            + "SELECT setval(pg_get_serial_sequence('deposit_addresses', 'id'), COALESCE((SELECT MAX(id) FROM deposit_addresses), 0) + 1, false)",
    ])
}

extension Migrations {
    /// The confirmer's fair turns read pending deposits per chain, status and asset, oldest
    /// first (by block while seen, by last change while waiting for a rate). Without these, a
    /// backlog of waiting deposits is sorted again at every step.
    static let pendingIndexes = Migration(version: 12, name: "deposits: indexes for the confirmer's fair turns", statements: [
        "CREATE INDEX deposits_seen_turns ON deposits (chain_id, status, asset, block_number, id)",
        "CREATE INDEX deposits_waiting_turns ON deposits (chain_id, status, asset, updated_at, id)",
    ])
}
