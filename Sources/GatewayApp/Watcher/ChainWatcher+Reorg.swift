import Ethereum
import GatewayCore
import Store

/// The follower's reorg half: finding the fork by walking parent hashes down the stored
/// headers and checkpoints, and rewinding to it.
extension ChainWatcher {
    /// The highest stored height whose hash the node still has, if the node's chain differs
    /// from ours at the cursor; nil when nothing changed, or when the node has no header at the
    /// cursor (a lagging endpoint: wait for it).
    ///
    /// The walk goes down the stored window, then down the checkpoints kept below it, and stops
    /// at the first height where the node's hash is ours: the chain is linked by parent hashes,
    /// so everything below that height is the same chain. Bounded by `maxCheckpointsWalked`; a
    /// reorg deeper than that is an error for an operator, never a guess.
    func findFork(cursor: UInt64) async throws -> UInt64? {
        let window = 2 * settings.confirmations + 2
        let from = cursor > window ? cursor - window : 0
        let stored = try await database.transaction { db in try await ChainCursorStore.headers(chainID: chainID, from: from, db) }
        guard let top = stored[cursor] else { return nil }
        guard let nodeTop = try await node.headers([cursor])[0] else { return nil }
        guard nodeTop.hash != top.hash else { return nil }
        let numbers = stored.keys.filter { $0 < cursor }.sorted(by: >)
        let nodeHeaders = try await node.headers(numbers)
        for (number, header) in zip(numbers, nodeHeaders) where header?.hash == stored[number]?.hash {
            return number
        }
        // Deeper than the stored window: the checkpoints below it, and the blocks of recorded
        // deposits (which a young store without checkpoints still has).
        let bottom = numbers.last ?? cursor
        let (checkpoints, depositBlocks) = try await database.transaction { db in
            (
                try await ChainCursorStore.checkpoints(chainID: chainID, below: bottom, limit: Self.maxCheckpointsWalked, db),
                try await DepositStore.depositBlocks(chainID: chainID, below: bottom, limit: Self.maxDepositBlocksWalked, db)
            )
        }
        var footholds: [UInt64: String] = [:]
        for block in depositBlocks + checkpoints { footholds[block.number] = block.hash }
        let heights = footholds.keys.sorted(by: >)
        let answers = try await node.headers(heights)
        metrics.chainDeepReorg(chain.chain)
        for (number, header) in zip(heights, answers) where header?.hash == footholds[number] {
            logger.error("reorg deeper than the stored header window; rescanning from the deepest block the node still agrees with", metadata: [
                "cursor": "\(cursor)", "window_from": "\(bottom)", "fork": "\(number)",
            ])
            return number
        }
        guard checkpoints.isEmpty else {
            throw RPCError.malformed(
                "the node's chain differs from ours below every stored checkpoint (\(checkpoints.count) walked from block \(bottom)): "
                    + "a reorg deeper than \(Self.maxCheckpointsWalked * Int(ChainCursorStore.checkpointSpacing)) blocks, or an endpoint on another chain"
            )
        }
        // No checkpoint yet (a young store, or one from before checkpoints): rescan from below
        // the lowest block we know differs, or from the bottom of the window.
        let lowest = heights.last.map { min($0, bottom) } ?? bottom
        logger.error("reorg below every stored header; rescanning from below the lowest differing block", metadata: [
            "cursor": "\(cursor)", "window_from": "\(bottom)", "rescan_from": "\(lowest > 0 ? lowest - 1 : 0)",
        ])
        return lowest > 0 ? lowest - 1 : 0
    }

    /// Deposit blocks compared per walk, below the window.
    static let maxDepositBlocksWalked = 256

    /// Checkpoints compared per walk: 64 × 128 = 8,192 blocks below the window.
    static let maxCheckpointsWalked = 64

    func applyReorg(fork: UInt64, head: UInt64) async throws {
        let now = clock.nowMillis()
        let compensate = settings.compensateDeepReorg
        let source = chain.chain
        // Only deposits whose block the node no longer has at that height leave the chain: a
        // fork found at a checkpoint lies below the true fork, and blocks in between stand.
        let candidates = try await database.transaction { db in try await DepositStore.reorgCandidates(chainID: chainID, above: fork, db) }
        let heights = Array(Set(candidates.map(\.blockNumber))).sorted()
        let nodeHashes = Dictionary(uniqueKeysWithValues: zip(heights, try await node.headers(heights)).map { ($0, $1?.hash) })
        let changed = try await write { db in
            let changed = try await DepositStore.reorg(
                chainID: chainID, above: fork, now: now, stillCanonical: { nodeHashes[$0.blockNumber] == $0.blockHash }, db
            )
            if compensate {
                // In the same transaction as the status change: the reversal exists exactly
                // when the deposit says it left the chain after its credit.
                for deposit in changed where deposit.status == .reorgedAfterCredit {
                    // Each time the deposit leaves the chain is its own epoch: reversed once per
                    // departure, re-credited once per return.
                    let (reversals, recredits) = try await DepositCompensation.compensations(of: deposit, db)
                    guard reversals == recredits, let reversal = try DepositCompensation.reversal(of: deposit, chain: source, epoch: reversals + 1) else { continue }
                    try await OutboxStore.enqueue(reversal, now: now, db)
                }
            }
            try await ChainCursorStore.pruneHeaders(chainID: chainID, above: fork, below: nil, db)
            try await OutgoingTransferStore.forget(chainID: chainID, above: fork, db)
            try await ChainCursorStore.setCursor(chainID: chainID, number: fork, head: head, now: now, db)
            return changed
        }
        metrics.chainReorg(chain.chain)
        logger.warning("reorg: rewound to the fork point", metadata: ["fork": "\(fork)", "deposits_affected": "\(changed.count)"])
        for deposit in changed where deposit.status == .reorgedAfterCredit {
            metrics.chainCreditedReorg(chain.chain)
            logger.error("a credited deposit left the canonical chain (reorg deeper than the confirmation depth)", metadata: [
                "deposit": "\(deposit.key)", "account": "\(deposit.account)", "usd_cents": "\(deposit.creditMinor ?? 0)",
                "compensated": "\(compensate)",
            ])
        }
    }
}
