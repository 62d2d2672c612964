extension Migrations {
    static let depositIdentity = Migration(version: 8, name: "deposits: a stable identity (chain, tx, asset, ordinal)", statements: [
        // A token deposit's identity is its position among its transaction's Transfer logs of
        // the token contract, not the block-wide log index, which changes when a reorg puts the
        // transaction elsewhere. Keys already written stay as they are: rows keep their
        // `deposit_key`, and `identity` is what a re-observation matches on.
        "ALTER TABLE deposits ADD COLUMN identity TEXT",
        "CREATE UNIQUE INDEX deposits_identity ON deposits (identity)",
        "CREATE INDEX deposits_by_tx ON deposits (chain_id, tx_hash)",
        // ETH deposits are one per transaction: their identity is known now. A USDT row of the
        // old format gets its identity when the watcher or `reconcile chain` sees its log again.
        "UPDATE deposits SET identity = CAST(chain_id AS TEXT) || ':' || LOWER(tx_hash) || ':eth:-1' WHERE asset = 'ETH' AND log_index = -1",
    ])
}
