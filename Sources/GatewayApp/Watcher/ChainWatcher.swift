import Ethereum
import GatewayCore
import Logging
import Rates
import Store

/// Follows the chain: the cursor, reorgs against the stored canonical window
/// (`ChainWatcher+Reorg`), and the scan of new blocks; what the blocks hold is the
/// `DepositDetector`'s job, crediting the `DepositConfirmer`'s, and what leaving and returning
/// to the chain does to the wallet `DepositCompensation`'s.
///
/// `pollOnce` is one bounded step; `WatcherService` calls it in a loop while it holds the lease,
/// and tests call it directly after mining blocks.
public struct ChainWatcher: Sendable {
    var node: any EthereumNode
    /// The chain it follows: id, depth, assets and contracts, address codec, RPC dialect.
    public let chain: ChainDescription
    /// The endpoint steps use: kept while steps succeed, the next one after a failed step.
    let endpoints = EndpointChoice()
    let settings: GatewayConfig.EthereumSettings
    let database: any Database
    public let addressBook: AddressBook
    let prefetcher = BlockPrefetcher()
    let rates: RatesRepository
    let clock: WallClock
    let metrics: GatewayMetrics
    let logger: Logger
    /// The lease every write is conditional on; nil when the caller holds no lease (tests that
    /// drive one watcher by hand).
    var fence: LeaseFence?

    /// The same watcher, its writes fenced by `fence`.
    public func fenced(by fence: LeaseFence) -> ChainWatcher {
        var copy = self
        copy.fence = fence
        return copy
    }

    /// Every write of the watcher and its jobs: fenced by the lease (see `FencedWrites`).
    var write: FencedWrites { FencedWrites(database: database, fence: fence, clock: clock) }

    /// The jobs of a step, on this step's node.
    var detector: DepositDetector {
        DepositDetector(node: node, chain: chain, settings: settings, addressBook: addressBook, database: database, metrics: metrics)
    }
    var confirmer: DepositConfirmer {
        DepositConfirmer(node: node, chain: chain, database: database, rates: rates, clock: clock, metrics: metrics, logger: logger, write: write)
    }

    public struct StepReport: Sendable, Equatable {
        public var head: UInt64 = 0
        public var cursor: UInt64 = 0
        public var scannedBlocks = 0
        public var reorgDepth: UInt64?
        public var credited = 0
    }

    var chainID: UInt64 { chain.chainID }

    /// One step, against one endpoint of `ETH_RPC_URL` (see `EthereumNode.pinned`). A step
    /// that fails moves the next one to the next endpoint: failover between steps, never inside
    /// one.
    @discardableResult
    public func pollOnce() async throws -> StepReport {
        var step = self
        let chosen = endpoints.current
        step.node = node.pinned(to: chosen)
        do {
            return try await step.pollPinned()
        } catch {
            if node.endpointCount > 1 { endpoints.failed(from: chosen) }
            throw error
        }
    }

    private func pollPinned() async throws -> StepReport {
        var report = StepReport()
        // The head first, then the addresses: an address assigned while the head was read is
        // in the book before any block up to that head is scanned.
        let head = try await node.blockNumber()
        try await addressBook.refresh()
        report.head = head
        metrics.chainHead(chain.chain, head)
        let now = clock.nowMillis()
        var cursor: UInt64
        if let stored = try await database.transaction({ db in try await ChainCursorStore.cursor(chainID: chainID, db) }) {
            cursor = stored.number
        } else {
            // First run: from ETH_START_BLOCK, or far enough back to catch deposits in flight.
            let start = settings.startBlock ?? (head > 2 * settings.confirmations ? head - 2 * settings.confirmations : 0)
            let initial = start == 0 ? 0 : start - 1
            cursor = initial
            try await write { db in try await ChainCursorStore.setCursor(chainID: chainID, number: initial, head: head, now: now, db) }
        }
        if head < cursor {
            // The endpoint is behind what we already processed: a lagging or resyncing node.
            // A failed step: the next one tries the next endpoint of ETH_RPC_URL.
            logger.warning("node head is behind the cursor; trying the next endpoint", metadata: ["head": "\(head)", "cursor": "\(cursor)"])
            throw RPCError.malformed("the endpoint's head \(head) is behind the cursor \(cursor)")
        }
        if let fork = try await findFork(cursor: cursor) {
            report.reorgDepth = cursor - fork
            try await applyReorg(fork: fork, head: head)
            cursor = fork
        }
        let to = min(head, cursor + settings.scanBatchBlocks)
        if to > cursor {
            report.scannedBlocks = try await scan(from: cursor + 1, to: to, head: head)
            cursor += UInt64(report.scannedBlocks)
        }
        report.cursor = cursor
        metrics.chainCursor(chain.chain, cursor, head: head)
        report.credited = try await confirmer.confirm(head: head)
        return report
    }

    /// Scans [from, to]; returns how many consecutive blocks were recorded (fewer if the chain
    /// moved under us, which the next step's reorg check handles).
    func scan(from: UInt64, to: UInt64, head: UInt64) async throws -> Int {
        let fetched = try await prefetcher.blocks(from...to, node: node)
        if to < head {
            // Catching up: the next step's blocks download while this one is processed.
            prefetcher.prefetch((to + 1)...min(head, to + settings.scanBatchBlocks), node: node)
        }
        var blocks: [Block] = []
        let previous = try await database.transaction { db in try await ChainCursorStore.headers(chainID: chainID, from: from - min(from, 1), db) }
        var parentHash = from > 0 ? previous[from - 1]?.hash : nil
        for block in fetched {
            guard let block else { break }  // the node does not have it (yet)
            if let parentHash, block.header.parentHash != parentHash { break }
            blocks.append(block)
            parentHash = block.header.hash
        }
        guard let last = blocks.last else { return 0 }
        let now = clock.nowMillis()
        guard let found = try await detector.detect(blocks, now: now) else { return 0 }  // the chain moved between calls: redo next step
        let keepFrom = last.header.number > 2 * settings.confirmations + 2 ? last.header.number - 2 * settings.confirmations - 2 : 0
        let recorded = blocks
        try await write { db in
            try await DepositCompensation.record(found.deposits, chain: chain.chain, now: now, db)
            for transfer in found.outgoing { try await OutgoingTransferStore.record(transfer, now: now, db) }
            try await ChainCursorStore.saveHeaders(
                chainID: chainID, recorded.map { (number: $0.header.number, hash: $0.header.hash, parent: $0.header.parentHash) }, db
            )
            try await ChainCursorStore.pruneHeaders(chainID: chainID, above: nil, below: keepFrom, db)
            try await ChainCursorStore.setCursor(chainID: chainID, number: last.header.number, head: head, now: now, db)
        }
        for deposit in found.deposits {
            logger.info("deposit seen", metadata: [
                "deposit": "\(deposit.key)", "account": "\(deposit.account)", "asset": "\(deposit.asset)",
                "units": "\(deposit.amountUnits)", "block": "\(deposit.blockNumber)", "status": "\(deposit.status.rawValue)",
            ])
        }
        for transfer in found.outgoing {
            logger.info("outgoing transfer seen", metadata: [
                "address": "\(transfer.address)", "asset": "\(transfer.asset)", "units": "\(transfer.amountUnits)",
                "fee": "\(transfer.feeUnits)", "tx": "\(transfer.txHash)",
            ])
        }
        return blocks.count
    }

}
