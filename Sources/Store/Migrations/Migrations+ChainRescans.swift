extension Migrations {
    static let chainRescans = Migration(version: 9, name: "chain rescans requested by operators", statements: [
        // `reconcile chain --fix` writes no chain state itself while a watcher holds the lease:
        // it asks here, the active watcher carries the rescan out under its lease and writes
        // the report back.
        """
        CREATE TABLE chain_rescans (
            id {ID},
            chain_id BIGINT NOT NULL,
            from_block BIGINT NOT NULL,
            to_block BIGINT NOT NULL,
            operator TEXT NOT NULL,
            requested_at BIGINT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
            report TEXT,
            finished_at BIGINT
        )
        """,
        "CREATE INDEX chain_rescans_pending ON chain_rescans (chain_id, status, id)",
    ])
}

extension Migrations {
    static let rescanStarts = Migration(version: 10, name: "chain rescans: when the watcher began one", statements: [
        // A rescan the watcher has begun is no longer withdrawn by a command that stops
        // waiting: its fixes are landing, and its report must too.
        "ALTER TABLE chain_rescans ADD COLUMN started_at BIGINT",
    ])
}
