/// Where a chain's watcher stands: its cursor (the last block scanned, and the head it saw),
/// the stored headers of the window above the cursor's reorg depth, and the checkpoints kept
/// below it, which the reorg walk uses as footholds.
public enum ChainCursorStore {
    /// The cursor with when it was last written (ms), for the console's stall column.
    public static func state(chainID: UInt64, _ db: any SQLExecutor) async throws -> (number: UInt64, head: UInt64, updatedAtMillis: Int64)? {
        try await db.queryOne("SELECT number, head, updated_at FROM chain_cursor WHERE chain_id = $1", [.int(Int64(chainID))]).map {
            (UInt64(try $0.int("number")), UInt64(try $0.int("head")), try $0.int("updated_at"))
        }
    }

    public static func cursor(chainID: UInt64, _ db: any SQLExecutor) async throws -> (number: UInt64, head: UInt64)? {
        guard let row = try await db.queryOne("SELECT number, head FROM chain_cursor WHERE chain_id = $1", [.int(Int64(chainID))]) else {
            return nil
        }
        return (UInt64(try row.int("number")), UInt64(try row.int("head")))
    }

    public static func setCursor(chainID: UInt64, number: UInt64, head: UInt64, now: Int64, _ db: any SQLExecutor) async throws {
        try await db.query(
            """
            INSERT INTO chain_cursor (chain_id, number, head, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (chain_id) DO UPDATE SET number = excluded.number, head = excluded.head, updated_at = excluded.updated_at
            """,
            [.int(Int64(chainID)), .int(Int64(number)), .int(Int64(head)), .int(now)]
        )
    }

    /// Stored canonical headers from `from` upward, by number.
    public static func headers(chainID: UInt64, from: UInt64, _ db: any SQLExecutor) async throws -> [UInt64: (hash: String, parent: String)] {
        var headers: [UInt64: (hash: String, parent: String)] = [:]
        for row in try await db.query(
            "SELECT number, hash, parent_hash FROM chain_headers WHERE chain_id = $1 AND number >= $2",
            [.int(Int64(chainID)), .int(Int64(from))]
        ) {
            headers[UInt64(try row.int("number"))] = (try row.text("hash"), try row.text("parent_hash"))
        }
        return headers
    }

    /// Headers per multi-row insert: 4 binds a row stays far below both databases' limits.
    static let insertChunk = 200

    /// Stores the canonical headers of a run of blocks (replacing any at those heights), in
    /// multi-row statements.
    public static func saveHeaders(chainID: UInt64, _ headers: [(number: UInt64, hash: String, parent: String)], _ db: any SQLExecutor) async throws {
        for chunk in headers.chunked(insertChunk) {
            var binds: [SQLValue] = []
            var rows: [String] = []
            for header in chunk {
                let base = binds.count
                rows.append("($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4))")
                binds += [.int(Int64(chainID)), .int(Int64(header.number)), .text(header.hash), .text(header.parent)]
            }
            try await db.query(
                """
                INSERT INTO chain_headers (chain_id, number, hash, parent_hash) VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (chain_id, number) DO UPDATE SET hash = excluded.hash, parent_hash = excluded.parent_hash
                """,
                binds
            )
        }
    }

    /// Drops headers above `number` (after a reorg) or below `keepFrom` (outside the window).
    public static func pruneHeaders(chainID: UInt64, above number: UInt64?, below keepFrom: UInt64?, _ db: any SQLExecutor) async throws {
        if let number {
            try await db.query("DELETE FROM chain_headers WHERE chain_id = $1 AND number > $2", [.int(Int64(chainID)), .int(Int64(number))])
        }
        if let keepFrom {
            // Every `checkpointSpacing`-th header stays: the reorg walk's footholds below the window.
            try await db.query(
                "DELETE FROM chain_headers WHERE chain_id = $1 AND number < $2 AND number % \(checkpointSpacing) <> 0",
                [.int(Int64(chainID)), .int(Int64(keepFrom))]
            )
        }
    }

    /// Below the window one header in this many is kept (about 20,000 a year on Ethereum), so a
    /// reorg deeper than the window still finds a stored block the node agrees with.
    public static let checkpointSpacing: UInt64 = 128

    /// Stored checkpoint headers below `below`, highest first, at most `limit`.
    public static func checkpoints(chainID: UInt64, below: UInt64, limit: Int, _ db: any SQLExecutor) async throws -> [(number: UInt64, hash: String)] {
        try await db.query(
            "SELECT number, hash FROM chain_headers WHERE chain_id = $1 AND number < $2 ORDER BY number DESC LIMIT $3",
            [.int(Int64(chainID)), .int(Int64(below)), .int(Int64(limit))]
        ).map { (UInt64(try $0.int("number")), try $0.text("hash")) }
    }
}
