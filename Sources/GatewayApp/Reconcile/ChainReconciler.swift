import Ethereum
import GatewayCore
import Store

/// Rescans a block range with the watcher's own detection and compares what the canonical
/// chain holds with our deposit records.
public struct ChainReconciler: Sendable {
    let watcher: ChainWatcher
    let database: any Database
    /// Attempts per batch when the chain moves between the block and log queries.
    static let maxDetectAttempts = 3

    /// - Parameter watcher: its node is pinned to one endpoint for the whole run, so that every
    ///   answer of a rescan comes from one view of the chain (see `EthereumNode.pinned`).
    public init(watcher: ChainWatcher, database: any Database) {
        var pinned = watcher
        pinned.node = watcher.node.pinned(to: watcher.endpoints.current)
        self.watcher = pinned
        self.database = database
    }

    public func run(
        from: UInt64, to: UInt64, fix: Bool, operator name: OperatorName, now: Int64, progress: ProgressCallback? = nil
    ) async throws -> ReconcileReport {
        var report = ReconcileReport(scope: "chain")
        let chainID = watcher.chainID
        let head: UInt64
        do {
            // The head first, then the addresses (as the watcher does).
            head = try await watcher.node.blockNumber()
            try await watcher.addressBook.refresh()
        } catch let error as RPCError {
            throw OperatorError(.unreachable, "Ethereum node unreachable: \(error)")
        }
        guard from <= to else { throw OperatorError(.usage, "--from \(from) is above --to \(to)") }
        guard to <= head else { throw OperatorError(.usage, "--to \(to) is above the node's head \(head)") }
        if fix { try await checkSameChainAsTheWatcher() }

        var onChain: [DepositRecord] = []
        var start = from
        let batch = max(1, watcher.settings.scanBatchBlocks)
        while start <= to {
            let end = min(to, start + batch - 1)
            let found = try await detect(from: start, to: end)
            onChain += found
            progress?(Int(end - from + 1), Int(to - from + 1))
            start = end + 1
        }
        let detected = onChain
        let (ours, sameTxs) = try await database.transaction { db -> ([DepositRecord], [DepositRecord]) in
            let ours = try await DepositStore.inBlocks(chainID: chainID, from: from, to: to, db)
            // A deposit found here may be recorded at another height (a stale block outside the
            // range), or in the old key format: its transaction's rows are matched by identity.
            let sameTxs = try await DepositStore.inTransactions(chainID: chainID, txs: Array(Set(detected.map(\.txHash))), db)
            return (ours, sameTxs)
        }
        var known: [IdempotencyKey: DepositRecord] = [:]
        for record in ours + sameTxs { known[record.key] = record }
        let outcomes = try DepositMatching.match(onChain, known: Array(known.values))
        var onChainKeys: Set<IdempotencyKey> = []

        var toObserve: [(DepositRecord, Int)] = []
        for (deposit, outcome) in zip(onChain, outcomes) {
            let label = "\(deposit.amountUnits) \(deposit.asset) units to \(deposit.address) in block \(deposit.blockNumber)"
            let record: DepositRecord
            switch outcome {
            case .repeated:
                continue
            case .known(let row), .adopted(let row, _):
                record = row
                onChainKeys.insert(row.key)
            case .new(let deposit):
                report.discrepancies.append(Discrepancy(
                    kind: "missing_deposit", subject: deposit.key.rawValue, account: deposit.account.rawValue,
                    detail: "\(label) (\(deposit.status == .failed ? "failed tx" : "succeeded")); we have no record",
                    action: "--fix records it; it is credited once it has \(watcher.settings.confirmations) confirmations"
                ))
                toObserve.append((deposit, report.discrepancies.count - 1))
                continue
            }
            if record.amountUnits != deposit.amountUnits || record.account != deposit.account || record.asset != deposit.asset {
                report.discrepancies.append(Discrepancy(
                    kind: "amount_mismatch", subject: deposit.key.rawValue, account: record.account.rawValue,
                    detail: "chain: \(label) for \(deposit.account); ours: \(record.amountUnits) \(record.asset) units for \(record.account)",
                    action: "investigate before any adjustment; the chain is the truth"
                ))
                continue
            }
            if (deposit.status == .failed) != (record.status == .failed) {
                report.discrepancies.append(Discrepancy(
                    kind: "status_mismatch", subject: deposit.key.rawValue, account: record.account.rawValue,
                    detail: "chain: transaction \(deposit.status == .failed ? "failed" : "succeeded"); ours: \(record.status.rawValue)",
                    action: record.status == .credited ? "a failed transaction was credited: reverse it with `gateway adjust`" : "investigate"
                ))
                continue
            }
            switch record.status {
            case .orphaned:
                report.discrepancies.append(Discrepancy(
                    kind: "missing_deposit", subject: deposit.key.rawValue, account: record.account.rawValue,
                    detail: "\(label) is canonical; ours is orphaned from block \(record.blockNumber)",
                    action: "--fix records it again; it is credited once"
                ))
                toObserve.append((deposit, report.discrepancies.count - 1))
            case .reorgedAfterCredit:
                report.discrepancies.append(Discrepancy(
                    kind: "credit_back_on_chain", subject: deposit.key.rawValue, account: record.account.rawValue,
                    detail: "\(label) is canonical again; ours says reorged_after_credit",
                    action: "--fix marks it credited again (and re-credits it if its credit was debited back)"
                ))
                toObserve.append((deposit, report.discrepancies.count - 1))
            default:
                if record.blockHash != deposit.blockHash, record.status.isPending {
                    report.discrepancies.append(Discrepancy(
                        kind: "wrong_block", subject: deposit.key.rawValue, account: record.account.rawValue,
                        detail: "ours is in block \(record.blockNumber) \(record.blockHash); the canonical chain has it in \(deposit.blockNumber)",
                        action: "--fix moves it to the canonical block"
                    ))
                    toObserve.append((deposit, report.discrepancies.count - 1))
                }
            }
        }
        var toOrphan: [(DepositRecord, Int)] = []
        let unmatched = ours.filter { !onChainKeys.contains($0.key) && ![.orphaned, .reorgedAfterCredit].contains($0.status) }
        // Off the chain only where the node has another block at that height: a deposit merely
        // missing from detection (an endpoint that answered incompletely) is never orphaned.
        let heights = Array(Set(unmatched.map(\.blockNumber))).sorted()
        let nodeHashes: [UInt64: String?]
        do {
            nodeHashes = Dictionary(uniqueKeysWithValues: zip(heights, try await watcher.node.headers(heights)).map { ($0, $1?.hash) })
        } catch let error as RPCError {
            throw OperatorError(.unreachable, "Ethereum node: \(error)")
        }
        for record in unmatched {
            let credited = record.status == .credited
            guard let nodeHash = nodeHashes[record.blockNumber] ?? nil, nodeHash != record.blockHash else {
                report.discrepancies.append(Discrepancy(
                    kind: "undetected", subject: record.key.rawValue, account: record.account.rawValue,
                    detail: "recorded in block \(record.blockNumber) \(record.blockHash) (\(record.status.rawValue)), which the node still has, but this scan did not find it",
                    action: "run again (an endpoint may have answered incompletely); nothing is changed"
                ))
                continue
            }
            report.discrepancies.append(Discrepancy(
                kind: "not_canonical", subject: record.key.rawValue, account: record.account.rawValue,
                detail: "recorded in block \(record.blockNumber) \(record.blockHash) (\(record.status.rawValue)); the node has \(nodeHash) there",
                action: credited ? "credited money left the chain: decide with `gateway adjust`" : "--fix marks it orphaned (never credited)"
            ))
            if record.status.isPending { toOrphan.append((record, report.discrepancies.count - 1)) }
        }

        if fix {
            // Again, now that the decisions are made: the endpoint may have moved meanwhile.
            try await checkSameChainAsTheWatcher()
            // Blocks above the watcher's cursor are its own to scan: it records their deposits
            // with their headers, so a reorg there is seen and walked. A row recorded here,
            // ahead of it, has no stored header, and if its block left the chain before the
            // watcher got there, nothing would ever look at it again.
            let cursor = try await database.transaction { db in try await ChainCursorStore.cursor(chainID: chainID, db) }?.number
            toObserve.removeAll { deposit, index in
                guard let cursor, deposit.blockNumber > cursor else { return false }
                report.discrepancies[index].action = "not recorded here: the watcher records it when it scans block \(deposit.blockNumber) (it has scanned to \(cursor))"
                return true
            }
            for (deposit, index) in toObserve {
                report.discrepancies[index].fixed = try await record(deposit, action: "observe", operator: name, now: now) { db in
                    try await DepositCompensation.record([deposit], chain: watcher.chain.chain, now: now, db)
                }
            }
            for (deposit, index) in toOrphan {
                report.discrepancies[index].fixed = try await record(deposit, action: "orphan", operator: name, now: now) { db in
                    _ = try await DepositStore.transition(
                        key: deposit.key, to: .orphaned, reason: "not on the canonical chain (reconcile chain)", now: now, db
                    )
                }
            }
            if !toObserve.isEmpty {
                let credited = try await watcher.confirmer.confirm(head: head)
                report.notes.append("credited \(credited) deposit(s) deep enough now; the watcher credits the rest as they confirm")
            }
        }
        report.checked = [("blocks", Int(to - from + 1)), ("deposits on chain", onChain.count), ("deposits recorded", ours.count)]
        return report
    }

    /// `--fix` acts only on a view of the chain that is the watcher's own up to its cursor:
    /// the node's block at the cursor must be the one the watcher stored, and parent hashes
    /// link everything below it. An endpoint on another fork (a lagging backend, a tip race
    /// behind a load balancer) would otherwise orphan, move or record deposits against a chain
    /// the watcher does not follow, where its next step would never look again.
    private func checkSameChainAsTheWatcher() async throws {
        let chainID = watcher.chainID
        let stored = try await database.transaction { db -> (UInt64, String?)? in
            guard let cursor = try await ChainCursorStore.cursor(chainID: chainID, db)?.number else { return nil }
            return (cursor, try await ChainCursorStore.headers(chainID: chainID, from: cursor, db)[cursor]?.hash)
        }
        guard let (cursor, ours) = stored, let ours else { return }  // no watcher has run, or no header kept yet
        let theirs: String?
        do { theirs = try await watcher.node.headers([cursor])[0]?.hash } catch let error as RPCError {
            throw OperatorError(.unreachable, "Ethereum node: \(error)")
        }
        guard theirs == ours else {
            throw OperatorError(
                .unreachable,
                "the node's block \(cursor) is \(theirs ?? "missing"), the watcher's is \(ours): this endpoint is on another view of the chain "
                    + "(a reorg in progress or a lagging backend); nothing was changed, run again"
            )
        }
    }

    private func detect(from: UInt64, to: UInt64) async throws -> [DepositRecord] {
        for _ in 0..<Self.maxDetectAttempts {
            let blocks: [Block]
            do {
                let fetched = try await watcher.node.blocks(Array(from...to))
                blocks = try fetched.enumerated().map { offset, block in
                    guard let block else { throw OperatorError(.unreachable, "the node has no block \(from + UInt64(offset))") }
                    return block
                }
                if let found = try await watcher.detector.detect(blocks, now: 0) { return found.deposits }
            } catch let error as RPCError {
                throw OperatorError(.unreachable, "Ethereum node: \(error)")
            }
        }
        throw OperatorError(.unreachable, "the chain kept moving under blocks \(from)–\(to); run again")
    }

    private func record(
        _ deposit: DepositRecord, action: String, operator name: OperatorName, now: Int64,
        _ change: @escaping @Sendable (any SQLExecutor) async throws -> Void
    ) async throws -> Bool {
        try await AuditLog.withRetry {
            // Fenced by the watcher's lease when the caller holds one (`ChainRescan`).
            try await watcher.write { db in
                try await change(db)
                try await AuditLog.append(
                    "reconcile.chain.fix", subject: deposit.key.rawValue, operator: name,
                    details: .object([
                        "action": .string(action), "block_number": .int(Int64(deposit.blockNumber)), "block_hash": .string(deposit.blockHash),
                        "amount_units": .string(deposit.amountUnits), "asset": .string(deposit.asset.rawValue),
                    ]),
                    now: now, db
                )
                return true
            }
        }
    }
}
