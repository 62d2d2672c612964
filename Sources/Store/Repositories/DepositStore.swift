import GatewayCore

/// Deposit rows: recording what the chain shows (matched by identity), their moves through the
/// state machine (compare-and-set), and the queries the watcher, reconciliation and views make.
/// The cursor and headers are `ChainCursorStore`'s, leases `LeaseStore`'s.
public enum DepositStore {
    /// Records the deposits of a scan step seen in canonical blocks: one lookup of the stored
    /// rows of their transactions, matched by identity (`DepositMatching`), whose rows go
    /// through `DepositRules.afterObserved` one by one, and multi-row inserts for the new ones.
    /// Catch-up records thousands of deposits a second; a statement each would be most of its
    /// time. An identity repeated within the step counts once. The block-level `log_index` is
    /// data: a re-observation moves it with the block.
    ///
    /// Returns the deposits that came back: credited, reorged out, and now canonical again
    /// (as they were before this call), so the caller can undo a compensating debit.
    @discardableResult
    public static func observeMany(_ deposits: [DepositRecord], now: Int64, _ db: any SQLExecutor) async throws -> [DepositRecord] {
        guard !deposits.isEmpty else { return [] }
        var known: [DepositRecord] = []
        for chainID in Set(deposits.map(\.chainID)) {
            known += try await inTransactions(chainID: chainID, txs: Array(Set(deposits.filter { $0.chainID == chainID }.map(\.txHash))), db)
        }
        let matches = try DepositMatching.match(deposits, known: known)
        var fresh: [DepositRecord] = []
        var revived: [DepositRecord] = []
        for (deposit, outcome) in zip(deposits, matches) {
            let existing: DepositRecord
            switch outcome {
            case .repeated:
                continue
            case .new(let record):
                fresh.append(record)
                continue
            case .known(let row):
                existing = row
            case .adopted(let row, let identity):
                // An old-format row: it keeps its key; from now on it is found by identity.
                try await db.query(
                    "UPDATE deposits SET identity = $1 WHERE deposit_key = $2 AND identity IS NULL",
                    [.text(identity), .text(row.key.rawValue)]
                )
                existing = row
            }
            let sameBlock = existing.blockHash == deposit.blockHash
            guard let next = existing.status.after(.observed(sameBlock: sameBlock, failed: deposit.status == .failed)) else {
                continue
            }
            // Compare-and-set on the status read: a concurrent writer's change is never overwritten.
            let updated = try await db.query(
                """
                UPDATE deposits SET block_number = $1, block_hash = $2, log_index = $3, status = $4, reason = $5, updated_at = $6
                WHERE deposit_key = $7 AND status = $8 RETURNING id
                """,
                [
                    .int(Int64(deposit.blockNumber)), .text(deposit.blockHash), .int(deposit.logIndex), .text(next.rawValue),
                    .optional(next == .failed ? deposit.reason : nil), .int(now), .text(existing.key.rawValue), .text(existing.status.rawValue),
                ]
            )
            guard !updated.isEmpty else { throw StoreError.conflict("deposit \(existing.key) changed while it was observed") }
            if existing.status == .reorgedAfterCredit, next == .credited { revived.append(existing) }
        }
        for chunk in fresh.chunked(Self.insertChunk) {
            var binds: [SQLValue] = []
            var rows: [String] = []
            for deposit in chunk {
                let base = binds.count
                rows.append("(" + (1...14).map { "$\(base + $0)" }.joined(separator: ", ") + ", $\(base + 13))")
                binds += [
                    .text(deposit.key.rawValue), .int(Int64(deposit.chainID)), .text(deposit.txHash), .int(deposit.logIndex),
                    .text(deposit.account.rawValue), .text(deposit.address), .text(deposit.asset.rawValue), .text(deposit.amountUnits),
                    .int(Int64(deposit.blockNumber)), .text(deposit.blockHash), .text(deposit.status.rawValue),
                    .optional(deposit.reason), .int(now), .optional(deposit.identity),
                ]
            }
            try await db.query(
                """
                INSERT INTO deposits (deposit_key, chain_id, tx_hash, log_index, account_id, address, asset, amount_units,
                    block_number, block_hash, status, reason, seen_at, identity, updated_at)
                VALUES \(rows.joined(separator: ", "))
                """,
                binds
            )
        }
        return revived
    }

    /// Rows per multi-row insert: 14 binds a row stays far below SQLite's 32,766 bound
    /// parameters and PostgreSQL's 65,535.
    static let insertChunk = 200

    /// Marks deposits above `forkBlock` as reorged out, except those `stillCanonical` vouches
    /// for (their block is still the node's at that height); returns the rows it changed (with
    /// their new status) so the caller can alert on credited ones.
    public static func reorg(
        chainID: UInt64, above forkBlock: UInt64, now: Int64, stillCanonical: (@Sendable (DepositRecord) -> Bool)? = nil,
        _ db: any SQLExecutor
    ) async throws -> [DepositRecord] {
        let affected = try await reorgCandidates(chainID: chainID, above: forkBlock, db)
        var changed: [DepositRecord] = []
        for var deposit in affected where stillCanonical?(deposit) != true {
            let before = deposit.status
            guard let next = before.after(.leftChain) else { continue }
            deposit.status = next
            deposit.reason = "block \(deposit.blockNumber) \(deposit.blockHash) left the canonical chain"
            // Compare-and-set: only the status read is replaced.
            let updated = try await db.query(
                "UPDATE deposits SET status = $1, reason = $2, updated_at = $3 WHERE deposit_key = $4 AND status = $5 RETURNING id",
                [.text(deposit.status.rawValue), .optional(deposit.reason), .int(now), .text(deposit.key.rawValue), .text(before.rawValue)]
            )
            guard !updated.isEmpty else { throw StoreError.conflict("deposit \(deposit.key) changed during a reorg") }
            changed.append(deposit)
        }
        return changed
    }

    /// Deposits above `forkBlock` that a reorg there may take off the chain.
    public static func reorgCandidates(chainID: UInt64, above forkBlock: UInt64, _ db: any SQLExecutor) async throws -> [DepositRecord] {
        try await db.query(
            "SELECT \(columns) FROM deposits WHERE chain_id = $1 AND block_number > $2 AND status IN \(DepositStatus.sqlList(DepositStatus.onChain))",
            [.int(Int64(chainID)), .int(Int64(forkBlock))]
        ).map(record)
    }

    /// Every deposit recorded in blocks [from, to], for reconciliation.
    public static func inBlocks(chainID: UInt64, from: UInt64, to: UInt64, _ db: any SQLExecutor) async throws -> [DepositRecord] {
        try await db.query(
            "SELECT \(columns) FROM deposits WHERE chain_id = $1 AND block_number >= $2 AND block_number <= $3 ORDER BY block_number, id",
            [.int(Int64(chainID)), .int(Int64(from)), .int(Int64(to))]
        ).map(record)
    }

    /// Every deposit recorded for these transactions, wherever their blocks are.
    public static func inTransactions(chainID: UInt64, txs: [String], _ db: any SQLExecutor) async throws -> [DepositRecord] {
        try await SQLInList.rows(
            "SELECT \(columns) FROM deposits WHERE chain_id = \(chainID) AND tx_hash IN", keys: txs.map { .text($0) }, db
        ).map(record)
    }

    /// Deposits to one address in blocks up to `maxBlock`, for balance reconciliation.
    public static func toAddress(_ address: String, chainID: UInt64, maxBlock: UInt64, _ db: any SQLExecutor) async throws -> [DepositRecord] {
        try await db.query(
            "SELECT \(columns) FROM deposits WHERE chain_id = $1 AND address = $2 AND block_number <= $3 ORDER BY block_number, id",
            [.int(Int64(chainID)), .text(address), .int(Int64(maxBlock))]
        ).map(record)
    }

    /// Addresses with at least one recorded deposit (the "active" ones).
    public static func activeAddresses(chainID: UInt64, _ db: any SQLExecutor) async throws -> Set<String> {
        Set(try await db.query(
            "SELECT DISTINCT address FROM deposits WHERE chain_id = $1", [.int(Int64(chainID))]
        ).map { try $0.text("address") })
    }

    /// Pending deposits whose block is at or below `maxBlock` (deep enough), oldest first.
    public static func pending(chainID: UInt64, maxBlock: UInt64, limit: Int, _ db: any SQLExecutor) async throws -> [DepositRecord] {
        try await db.query(
            """
            SELECT \(columns) FROM deposits WHERE chain_id = $1 AND status IN \(DepositStatus.sqlList(DepositStatus.pending)) AND block_number <= $2
            ORDER BY block_number, id LIMIT $3
            """,
            [.int(Int64(chainID)), .int(Int64(maxBlock)), .int(Int64(limit))]
        ).map(record)
    }

    /// Pending deposits that are deep enough, at most `limitPerGroup` per (asset, status), oldest
    /// first in each: a backlog waiting for one asset's rate cannot starve the others, nor hold
    /// back new deposits of its own asset.
    public static func pendingFairly(
        chainID: UInt64, maxBlock: UInt64, limitPerGroup: Int, _ db: any SQLExecutor
    ) async throws -> [DepositRecord] {
        var all: [DepositRecord] = []
        let assets = try await db.query(
            "SELECT DISTINCT asset FROM deposits WHERE chain_id = $1 AND status IN \(DepositStatus.sqlList(DepositStatus.pending)) AND block_number <= $2",
            [.int(Int64(chainID)), .int(Int64(maxBlock))]
        ).map { try $0.text("asset") }
        for asset in assets.sorted() {
            for (status, order) in [(DepositStatus.seen, "block_number, id"), (.awaitingRate, "updated_at, id")] {
                all += try await db.query(
                    """
                    SELECT \(columns) FROM deposits WHERE chain_id = $1 AND asset = $2 AND status = $3 AND block_number <= $4
                    ORDER BY \(order) LIMIT $5
                    """,
                    [.int(Int64(chainID)), .text(asset), .text(status.rawValue), .int(Int64(maxBlock)), .int(Int64(limitPerGroup))]
                ).map(record)
            }
        }
        return all
    }

    /// Moves a still-pending deposit to `status`; false if another watcher got there first.
    public static func transition(
        key: IdempotencyKey, to status: DepositStatus, reason: String?, now: Int64, _ db: any SQLExecutor
    ) async throws -> Bool {
        guard DepositStatus.pending.contains(where: { $0.canMove(to: status) }) else {
            throw StoreError.conflict("a pending deposit never moves to \(status.rawValue)")
        }
        return !(try await db.query(
            """
            UPDATE deposits SET status = $1, reason = $2, updated_at = $3
            WHERE deposit_key = $4 AND status IN \(DepositStatus.sqlList(DepositStatus.pending)) RETURNING id
            """,
            [.text(status.rawValue), .optional(reason), .int(now), .text(key.rawValue)]
        )).isEmpty
    }

    public struct CreditRecord: Sendable {
        public let creditMinor: Int64
        public let currency: Currency
        public let exactValue: String
        public let pair: String
        public let field: String
        public let price: String
        public let source: String
        public let fetchedAtMillis: Int64

        public init(
            credit: Money, exactValue: String, pair: String, field: String, price: String, source: String, fetchedAtMillis: Int64
        ) {
            self.creditMinor = credit.minor
            self.currency = credit.currency
            self.exactValue = exactValue
            self.pair = pair
            self.field = field
            self.price = price
            self.source = source
            self.fetchedAtMillis = fetchedAtMillis
        }
    }

    /// Marks a pending deposit credited with its conversion; false if it was not pending.
    public static func markCredited(key: IdempotencyKey, _ credit: CreditRecord, now: Int64, _ db: any SQLExecutor) async throws -> Bool {
        !(try await db.query(
            """
            UPDATE deposits SET status = '\(DepositStatus.credited.rawValue)', reason = NULL, usd_cents = $1, exact_usd = $2, rate_pair = $3,
                rate_field = $4, rate_price = $5, rate_source = $6, rate_fetched_at = $7, credited_at = $8, updated_at = $8,
                currency = $10
            WHERE deposit_key = $9 AND status IN \(DepositStatus.sqlList(DepositStatus.pending)) RETURNING id
            """,
            [
                .int(credit.creditMinor), .text(credit.exactValue), .text(credit.pair), .text(credit.field), .text(credit.price),
                .text(credit.source), .int(credit.fetchedAtMillis), .int(now), .text(key.rawValue), .text(credit.currency.code),
            ]
        )).isEmpty
    }

    public static func find(key: String, _ db: any SQLExecutor) async throws -> DepositRecord? {
        try await db.queryOne("SELECT \(columns) FROM deposits WHERE deposit_key = $1", [.text(key)]).map(record)
    }

    public static func list(status: String?, account: String?, limit: Int, _ db: any SQLExecutor) async throws -> [DepositRecord] {
        try await db.query(
            """
            SELECT \(columns) FROM deposits WHERE ($1 = '' OR status = $1) AND ($2 = '' OR account_id = $2)
            ORDER BY id DESC LIMIT $3
            """,
            [.text(status ?? ""), .text(account ?? ""), .int(Int64(limit))]
        ).map(record)
    }

    public static func countsByStatus(_ db: any SQLExecutor) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await db.query("SELECT status, COUNT(*) AS n FROM deposits GROUP BY status") {
            counts[try row.text("status")] = Int(try row.int("n"))
        }
        return counts
    }

    /// Blocks of recorded deposits below `below` (their hash as recorded), highest first: more
    /// footholds for the reorg walk, wherever checkpoints are missing.
    public static func depositBlocks(chainID: UInt64, below: UInt64, limit: Int, _ db: any SQLExecutor) async throws -> [(number: UInt64, hash: String)] {
        try await db.query(
            """
            SELECT DISTINCT block_number, block_hash FROM deposits WHERE chain_id = $1 AND block_number < $2
                AND status IN \(DepositStatus.sqlList(DepositStatus.onChain))
            ORDER BY block_number DESC LIMIT $3
            """,
            [.int(Int64(chainID)), .int(Int64(below)), .int(Int64(limit))]
        ).map { (UInt64(try $0.int("block_number")), try $0.text("block_hash")) }
    }

    static let columns = """
        deposit_key, identity, chain_id, tx_hash, log_index, account_id, address, asset, amount_units, block_number, block_hash,
        status, reason, usd_cents, exact_usd, rate_pair, rate_field, rate_price, rate_source, rate_fetched_at,
        seen_at, updated_at, credited_at, currency
        """

    static func record(_ row: SQLRow) throws -> DepositRecord {
        guard let status = DepositStatus(rawValue: try row.text("status")) else { throw StoreError.decoding("unknown deposit status") }
        guard let asset = Asset(rawValue: try row.text("asset")) else { throw StoreError.decoding("unknown deposit asset") }
        let key: IdempotencyKey, account: AccountID, amount: TokenAmount
        do {
            key = try IdempotencyKey(try row.text("deposit_key"))
            guard Chain(depositKey: key.rawValue) != nil else { throw StoreError.decoding("deposit key \(key) names no chain") }
            account = try AccountID(try row.text("account_id"))
            amount = try TokenAmount(unitsText: Substring(try row.text("amount_units")), asset: asset)
        } catch let error as DomainError {
            throw StoreError.decoding("deposit row: \(error.message)")
        }
        var record = DepositRecord(
            key: key, chainID: UInt64(try row.int("chain_id")), txHash: try row.text("tx_hash"),
            logIndex: try row.int("log_index"), account: account, address: try row.text("address"), amount: amount,
            blockNumber: UInt64(try row.int("block_number")), blockHash: try row.text("block_hash"), status: status,
            reason: try row.optionalText("reason"), seenAtMillis: try row.int("seen_at"), identity: try row.optionalText("identity")
        )
        record.creditMinor = try row.optionalInt("usd_cents")
        record.exactValue = try row.optionalText("exact_usd")
        record.creditCurrency = try row.optionalText("currency").map { code throws in try Currency(code) }
        record.ratePair = try row.optionalText("rate_pair")
        record.rateField = try row.optionalText("rate_field")
        record.ratePrice = try row.optionalText("rate_price")
        record.rateSource = try row.optionalText("rate_source")
        record.rateFetchedAtMillis = try row.optionalInt("rate_fetched_at")
        record.updatedAtMillis = try row.int("updated_at")
        record.creditedAtMillis = try row.optionalInt("credited_at")
        return record
    }
}
