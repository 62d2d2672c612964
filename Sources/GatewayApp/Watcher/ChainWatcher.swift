import BigInt
import Ethereum
import GatewayCore
import Logging
import Rates
import Store
import Synchronization

/// Follows the chain: finds reorgs against the stored canonical window, scans new blocks for
/// ETH and USDT deposits, and credits deposits once they are deep enough and still canonical.
///
/// `pollOnce` is one bounded step; `WatcherService` calls it in a loop while it holds the lease,
/// and tests call it directly after mining blocks.
public struct ChainWatcher: Sendable {
    var node: any EthereumNode
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

    /// A write transaction: its first statement renews the lease, and fails it unless this
    /// watcher still holds it, so a watcher whose lease passed to another writes nothing. On
    /// PostgreSQL the renewal also locks the lease row until commit, so a standby cannot take
    /// the lease between the check and the writes.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await database.transaction { [fence, clock] db in
            if let fence { try await fence.hold(now: clock.nowMillis(), db) }
            return try await body(db)
        }
    }

    /// Deposits confirmed per step, per asset and status: deposits waiting for one asset's
    /// rate never hold back another asset's, nor new deposits of the same asset.
    static let confirmBatch = 200

    public struct StepReport: Sendable, Equatable {
        public var head: UInt64 = 0
        public var cursor: UInt64 = 0
        public var scannedBlocks = 0
        public var reorgDepth: UInt64?
        public var credited = 0
    }

    var chainID: UInt64 { settings.chainID }

    /// Checks `eth_chainId` against the configuration; the watcher refuses to run otherwise.
    public func checkChain() async throws {
        let reported = try await node.chainID()
        guard reported == chainID else {
            throw ConfigError(key: "ETH_CHAIN_ID", problem: "is \(chainID) but the node at ETH_RPC_URL reports chain \(reported)")
        }
    }

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
        metrics.ethHead(head)
        let now = clock.nowMillis()
        var cursor: UInt64
        if let stored = try await database.transaction({ db in try await DepositStore.cursor(chainID: chainID, db) }) {
            cursor = stored.number
        } else {
            // First run: from ETH_START_BLOCK, or far enough back to catch deposits in flight.
            let start = settings.startBlock ?? (head > 2 * settings.confirmations ? head - 2 * settings.confirmations : 0)
            let initial = start == 0 ? 0 : start - 1
            cursor = initial
            try await write { db in try await DepositStore.setCursor(chainID: chainID, number: initial, head: head, now: now, db) }
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
        metrics.ethCursor(cursor, head: head)
        report.credited = try await confirm(head: head)
        return report
    }

    // MARK: - Reorgs

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
        let stored = try await database.transaction { db in try await DepositStore.headers(chainID: chainID, from: from, db) }
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
                try await DepositStore.checkpoints(chainID: chainID, below: bottom, limit: Self.maxCheckpointsWalked, db),
                try await DepositStore.depositBlocks(chainID: chainID, below: bottom, limit: Self.maxDepositBlocksWalked, db)
            )
        }
        var footholds: [UInt64: String] = [:]
        for block in depositBlocks + checkpoints { footholds[block.number] = block.hash }
        let heights = footholds.keys.sorted(by: >)
        let answers = try await node.headers(heights)
        metrics.ethDeepReorg()
        for (number, header) in zip(heights, answers) where header?.hash == footholds[number] {
            logger.error("reorg deeper than the stored header window; rescanning from the deepest block the node still agrees with", metadata: [
                "cursor": "\(cursor)", "window_from": "\(bottom)", "fork": "\(number)",
            ])
            return number
        }
        guard checkpoints.isEmpty else {
            throw RPCError.malformed(
                "the node's chain differs from ours below every stored checkpoint (\(checkpoints.count) walked from block \(bottom)): "
                    + "a reorg deeper than \(Self.maxCheckpointsWalked * Int(DepositStore.checkpointSpacing)) blocks, or an endpoint on another chain"
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
                    let (reversals, recredits) = try await Self.compensations(of: deposit, db)
                    guard reversals == recredits, let reversal = try Self.reversal(of: deposit, epoch: reversals + 1) else { continue }
                    try await OutboxStore.enqueue(reversal, now: now, db)
                }
            }
            try await DepositStore.pruneHeaders(chainID: chainID, above: fork, below: nil, db)
            try await OutgoingTransferStore.forget(chainID: chainID, above: fork, db)
            try await DepositStore.setCursor(chainID: chainID, number: fork, head: head, now: now, db)
            return changed
        }
        metrics.ethReorg()
        logger.warning("reorg: rewound to the fork point", metadata: ["fork": "\(fork)", "deposits_affected": "\(changed.count)"])
        for deposit in changed where deposit.status == .reorgedAfterCredit {
            metrics.ethCreditedReorg()
            logger.error("a credited deposit left the canonical chain (reorg deeper than the confirmation depth)", metadata: [
                "deposit": "\(deposit.key)", "account": "\(deposit.account)", "usd_cents": "\(deposit.usdCents ?? 0)",
                "compensated": "\(compensate)",
            ])
        }
    }

    /// Records deposits seen on the canonical chain (the watcher's scan and `reconcile chain
    /// --fix` alike). A credited deposit that a deep reorg had removed and that is canonical
    /// again is credited again; if its credit was debited back, that debit is undone by a
    /// re-credit in the same transaction.
    static func record(_ deposits: [DepositRecord], now: Int64, _ db: any SQLExecutor) async throws {
        for deposit in try await DepositStore.observeMany(deposits, now: now, db) {
            let (reversals, recredits) = try await compensations(of: deposit, db)
            guard reversals > recredits, let recredit = try recredit(of: deposit, epoch: reversals) else { continue }
            try await OutboxStore.enqueue(recredit, now: now, db)
        }
    }

    /// Compensation epochs are bounded: a deposit that left and came back this often is for a
    /// person, not for a loop.
    static let maxCompensationEpochs = 1_000

    /// How many reversals and re-credits of the deposit exist: epoch 1 is `…:reversal` and
    /// `…:recredit` (the keys written before epochs), epoch n > 1 `…:reversal:n`, `…:recredit:n`.
    static func compensations(of deposit: DepositRecord, _ db: any SQLExecutor) async throws -> (reversals: Int, recredits: Int) {
        func count(_ suffix: String) async throws -> Int {
            var n = 0
            while n < maxCompensationEpochs, try await OutboxStore.exists(key: compensationKey(deposit, suffix, epoch: n + 1), db) { n += 1 }
            return n
        }
        return (try await count("reversal"), try await count("recredit"))
    }

    static func compensationKey(_ deposit: DepositRecord, _ suffix: String, epoch: Int) -> String {
        epoch == 1 ? "\(deposit.key):\(suffix)" : "\(deposit.key):\(suffix):\(epoch)"
    }

    /// The debit that takes back a credit whose deposit a deep reorg removed.
    static func reversal(of deposit: DepositRecord, epoch: Int = 1) throws -> OutboxRequest? {
        // The money may already be spent; the debit must land anyway.
        try compensation(
            of: deposit, key: compensationKey(deposit, "reversal", epoch: epoch), direction: .debit, reason: "deep_reorg", allowNegative: true,
            description: "Reversal: deposit \(deposit.txHash) left the canonical chain after it was credited",
            details: ["block_number": .int(Int64(deposit.blockNumber)), "block_hash": .string(deposit.blockHash)]
        )
    }

    /// The credit that undoes a reversal once its deposit is canonical again.
    static func recredit(of deposit: DepositRecord, epoch: Int = 1) throws -> OutboxRequest? {
        try compensation(
            of: deposit, key: compensationKey(deposit, "recredit", epoch: epoch), direction: .credit, reason: "reincluded_after_deep_reorg", allowNegative: false,
            description: "Re-credit: deposit \(deposit.txHash) is on the canonical chain again"
        )
    }

    /// A wallet effect of the deposit's credited amount, keyed by the deposit's key and a
    /// suffix; nil when the deposit was never credited an amount.
    private static func compensation(
        of deposit: DepositRecord, key: String, direction: Direction, reason: String, allowNegative: Bool, description: String,
        details: [String: JSONValue] = [:]
    ) throws -> OutboxRequest? {
        guard let cents = deposit.usdCents, cents > 0 else { return nil }
        return OutboxRequest(
            key: try IdempotencyKey(key), account: try AccountID(deposit.account), direction: direction,
            amount: try PositiveCents(cents), kind: .adjustment, reference: deposit.txHash, description: description,
            detailsJSON: JSONValue.object(details.merging([
                "source": .string("ethereum"), "reason": .string(reason), "deposit_key": .string(deposit.key),
            ]) { _, common in common }).canonicalText,
            allowNegative: allowNegative
        )
    }

    // MARK: - Scanning

    /// Scans [from, to]; returns how many consecutive blocks were recorded (fewer if the chain
    /// moved under us, which the next step's reorg check handles).
    func scan(from: UInt64, to: UInt64, head: UInt64) async throws -> Int {
        let fetched = try await prefetcher.blocks(from...to, node: node)
        if to < head {
            // Catching up: the next step's blocks download while this one is processed.
            prefetcher.prefetch((to + 1)...min(head, to + settings.scanBatchBlocks), node: node)
        }
        var blocks: [Block] = []
        let previous = try await database.transaction { db in try await DepositStore.headers(chainID: chainID, from: from - min(from, 1), db) }
        var parentHash = from > 0 ? previous[from - 1]?.hash : nil
        for block in fetched {
            guard let block else { break }  // the node does not have it (yet)
            if let parentHash, block.header.parentHash != parentHash { break }
            blocks.append(block)
            parentHash = block.header.hash
        }
        guard let last = blocks.last else { return 0 }
        let now = clock.nowMillis()
        guard let found = try await detect(blocks, now: now) else { return 0 }  // the chain moved between calls: redo next step
        let keepFrom = last.header.number > 2 * settings.confirmations + 2 ? last.header.number - 2 * settings.confirmations - 2 : 0
        let recorded = blocks
        try await write { db in
            try await Self.record(found.deposits, now: now, db)
            for transfer in found.outgoing { try await OutgoingTransferStore.record(transfer, now: now, db) }
            try await DepositStore.saveHeaders(
                chainID: chainID, recorded.map { (number: $0.header.number, hash: $0.header.hash, parent: $0.header.parentHash) }, db
            )
            try await DepositStore.pruneHeaders(chainID: chainID, above: nil, below: keepFrom, db)
            try await DepositStore.setCursor(chainID: chainID, number: last.header.number, head: head, now: now, db)
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

    /// What a run of consecutive blocks holds for us.
    public struct Detection: Sendable {
        public var deposits: [DepositRecord] = []
        public var outgoing: [OutgoingTransfer] = []
    }

    /// Finds deposits to, and transfers out of, deposit addresses in consecutive blocks: the
    /// one detection routine the watcher and `reconcile chain` share. Nil when the chain
    /// moved between the block and log queries.
    ///
    /// Per step, not per block: one batch of receipts, one `eth_getLogs` range, one owner
    /// lookup. Round trips, not bytes, are what limit catch-up.
    public func detect(_ blocks: [Block], now: Int64) async throws -> Detection? {
        var found = Detection()
        guard let first = blocks.first, let last = blocks.last else { return found }
        let hashes = Dictionary(uniqueKeysWithValues: blocks.map { ($0.header.number, $0.header.hash) })
        var incoming: [Incoming] = []
        // ETH: top-level transactions to a deposit address with value, or from one, and their receipts.
        var candidates: [(block: Block, txs: [ChainTransaction])] = []
        for block in blocks {
            let txs = block.transactions.filter { tx in
                if let from = tx.from, addressBook.contains(from) { return true }
                guard let to = tx.to, !tx.value.isZero else { return false }
                return addressBook.contains(to)
            }
            if !txs.isEmpty { candidates.append((block, txs)) }
        }
        let receipts = try await receipts(for: candidates)
        for (block, txs) in candidates {
            for tx in txs {
                guard let receipt = receipts[tx.hash], receipt.blockHash == block.header.hash else {
                    throw RPCError.malformed("receipt of \(tx.hash) missing or from another block")
                }
                if let to = tx.to, !tx.value.isZero, addressBook.contains(to) {
                    incoming.append(Incoming(
                        txHash: tx.hash, logIndex: -1, to: to, asset: .eth, value: tx.value, block: block.header, failed: receipt.status != 1, ordinal: -1
                    ))
                }
                if let from = tx.from, addressBook.contains(from) {
                    // A failed transaction moves no value but still pays its fee.
                    let fee = (receipt.gasUsed?.big ?? 0) * (receipt.effectiveGasPrice?.big ?? 0)
                    found.outgoing.append(OutgoingTransfer(
                        chainID: chainID, txHash: tx.hash, logIndex: -1, address: from.lowercaseHex, asset: Asset.eth.rawValue,
                        amountUnits: receipt.status == 1 ? tx.value.big.description : "0", feeUnits: fee.description,
                        blockNumber: block.header.number, blockHash: block.header.hash
                    ))
                }
            }
        }
        // USDT: Transfer logs of the configured contract to or from a deposit address. A
        // transfer's identity is its position among its transaction's Transfer logs of the
        // contract, which a reorg that moves the transaction does not change.
        var logs = try await transferLogs(from: first.header.number, to: last.header.number)
        logs += try await logsLeftOut(of: blocks, answered: logs)
        let ordinals = Self.ordinals(logs, contract: settings.usdtContract)
        for log in logs {
            guard !log.removed, log.topics.count == 3, log.topics[0] == erc20TransferTopic,
                  log.address == settings.usdtContract, let hash = hashes[log.blockNumber], log.data.count == 32 else { continue }
            guard log.blockHash == hash else { return nil }
            let value = Self.uint256(log.data)
            if let recipient = Self.topicAddress(log.topics[2]), addressBook.contains(recipient) {
                incoming.append(Incoming(
                    txHash: log.transactionHash, logIndex: Int64(log.logIndex), to: recipient, asset: .usdt, value: value,
                    block: BlockHeader(number: log.blockNumber, hash: hash, parentHash: ""), failed: false,
                    ordinal: ordinals[OrdinalKey(tx: log.transactionHash.lowercased(), logIndex: log.logIndex)] ?? 0
                ))
            }
            if let sender = Self.topicAddress(log.topics[1]), addressBook.contains(sender) {
                found.outgoing.append(OutgoingTransfer(
                    chainID: chainID, txHash: log.transactionHash, logIndex: Int64(log.logIndex), address: sender.lowercaseHex,
                    asset: Asset.usdt.rawValue, amountUnits: value.big.description, feeUnits: "0",
                    blockNumber: log.blockNumber, blockHash: hash
                ))
            }
        }
        let owners = try await DepositAddressStore(database: database).accounts(addresses: incoming.map(\.to.lowercaseHex))
        found.deposits = try incoming.map { try deposit($0, owners: owners, now: now) }
        return found
    }

    /// A transfer to a deposit address, before its owner is looked up.
    struct Incoming {
        let txHash: String
        let logIndex: Int64
        let to: EthereumAddress
        let asset: Asset
        let value: Word256
        let block: BlockHeader
        let failed: Bool
        /// Position among the transaction's Transfer logs of the token contract; -1 for ETH.
        let ordinal: Int
    }

    struct OrdinalKey: Hashable {
        let tx: String
        let logIndex: UInt64
    }

    /// Each Transfer log's position (0, 1, 2 … in `logIndex` order) among its transaction's
    /// Transfer logs of `contract`.
    static func ordinals(_ logs: [ChainLog], contract: EthereumAddress) -> [OrdinalKey: Int] {
        var byTx: [String: [UInt64]] = [:]
        for log in logs where !log.removed && log.address == contract && log.topics.first == erc20TransferTopic {
            byTx[log.transactionHash.lowercased(), default: []].append(log.logIndex)
        }
        var ordinals: [OrdinalKey: Int] = [:]
        for (tx, indices) in byTx {
            for (ordinal, index) in indices.sorted().enumerated() { ordinals[OrdinalKey(tx: tx, logIndex: index)] = ordinal }
        }
        return ordinals
    }

    /// The address in an indexed `address` topic (its last 20 bytes).
    static func topicAddress(_ topic: String) -> EthereumAddress? {
        guard let bytes = try? Hex.data(topic), bytes.count == 32 else { return nil }
        return try? EthereumAddress(bytes: bytes.suffix(20))
    }

    private func deposit(_ transfer: Incoming, owners: [String: AccountID], now: Int64) throws -> DepositRecord {
        guard let owner = owners[transfer.to.lowercaseHex] else {
            throw StoreError.decoding("address \(transfer.to) is in the book but has no account")
        }
        let key = transfer.asset == .eth
            ? try IdempotencyKey.ethDeposit(chainID: chainID, txHash: transfer.txHash, logIndex: -1).rawValue
            : try IdempotencyKey.ethTokenDeposit(chainID: chainID, txHash: transfer.txHash, asset: transfer.asset.rawValue, ordinal: transfer.ordinal).rawValue
        let identity = IdempotencyKey.depositIdentity(chainID: chainID, txHash: transfer.txHash, asset: transfer.asset.rawValue, ordinal: transfer.ordinal)
        var status: DepositStatus = transfer.failed ? .failed : .seen
        var reason: String? = transfer.failed ? "receipt status 0: the transaction failed" : nil
        var units = transfer.value.decimal128 ?? ""
        if !transfer.value.fits128 {
            // Beyond 128 bits no real ETH or USDT amount exists; never truncate, park it.
            status = .parked
            reason = "amount \(transfer.value.hex) exceeds 128 bits"
            units = "0"
        }
        return DepositRecord(
            key: key, chainID: chainID, txHash: transfer.txHash, logIndex: transfer.logIndex, account: owner.rawValue,
            address: transfer.to.lowercaseHex, asset: transfer.asset.rawValue, amountUnits: units, blockNumber: transfer.block.number,
            blockHash: transfer.block.hash, status: status, reason: reason, seenAtMillis: now, identity: identity
        )
    }

    /// Receipts of the candidate transactions: `eth_getBlockReceipts` for all their blocks in
    /// one batch, and per-transaction receipts (one batch) for blocks it cannot answer.
    private func receipts(for candidates: [(block: Block, txs: [ChainTransaction])]) async throws -> [String: ChainReceipt] {
        var byHash: [String: ChainReceipt] = [:]
        guard !candidates.isEmpty else { return byHash }
        let wanted = Set(candidates.flatMap { $0.txs.map(\.hash) })
        let perBlock = try await node.blockReceipts(candidates.map(\.block.header.number), only: wanted)
        var missing: [String] = []
        for (candidate, receipts) in zip(candidates, perBlock) {
            if let receipts {
                for receipt in receipts { byHash[receipt.transactionHash] = receipt }
            } else {
                missing += candidate.txs.map(\.hash)
            }
        }
        if !missing.isEmpty {
            for receipt in try await node.receipts(missing).compactMap({ $0 }) { byHash[receipt.transactionHash] = receipt }
        }
        return byHash
    }

    /// `eth_getLogs` in spans of at most ETH_LOGS_MAX_RANGE, halving a span while the provider
    /// answers with a range or result limit.
    func transferLogs(from: UInt64, to: UInt64) async throws -> [ChainLog] {
        var logs: [ChainLog] = []
        var start = from
        var span = settings.logsMaxRange
        while start <= to {
            let end = min(to, start + span - 1)
            let result: Result<[ChainLog], RPCError>
            do {
                result = .success(try await node.logs(address: settings.usdtContract, topic0: erc20TransferTopic, from: start, to: end))
            } catch let error as RPCError {
                result = .failure(error)
            }
            switch result {
            case .success(let page):
                logs += page
                start = end + 1
            case .failure(let error):
                guard error.isRangeLimit, span > 1 else { throw error }
                span = max(1, span / 2)
                metrics.rpcError(error.kind)
            }
        }
        return logs
    }

    /// An `eth_getLogs` range answer can leave blocks out without saying so: a load-balanced
    /// endpoint whose backend has the blocks but has not indexed their logs answers `[]`. A
    /// block whose bloom may hold a Transfer of the token, but for which the answer gave none,
    /// is asked again by its hash (EIP-234), which a node without the block answers with an
    /// error, failing the step. A bloom's false "maybe" costs one call; it never says "no"
    /// wrongly. Blocks without a bloom cannot be checked.
    func logsLeftOut(of blocks: [Block], answered: [ChainLog]) async throws -> [ChainLog] {
        let contract = settings.usdtContract
        let covered = Set(answered.lazy.filter { $0.address == contract && $0.topics.first == erc20TransferTopic }.map(\.blockNumber))
        var more: [ChainLog] = []
        for block in blocks where !covered.contains(block.header.number) {
            guard let bloom = block.logsBloom, bloom.mayHold(contract: contract, topic: Self.transferTopicBytes) else { continue }
            metrics.logsRechecked()
            more += try await node.logs(address: contract, topic0: erc20TransferTopic, blockHash: block.header.hash)
        }
        return more
    }

    private static let transferTopicBytes: [UInt8] = (try? Hex.data(erc20TransferTopic)) ?? []

    static func uint256(_ data: [UInt8]) -> Word256 { Word256(bigEndian: data) }

    // MARK: - Confirmation and credit

    /// Credits deposits that are deep enough and whose block is still canonical now.
    func confirm(head: UInt64) async throws -> Int {
        guard head + 1 >= settings.confirmations else { return 0 }
        let maxBlock = head + 1 - settings.confirmations
        let ready = try await database.transaction { db in
            try await DepositStore.pendingFairly(chainID: chainID, maxBlock: maxBlock, limitPerGroup: Self.confirmBatch, db)
        }
        guard !ready.isEmpty else { return 0 }
        let numbers = Array(Set(ready.map(\.blockNumber))).sorted()
        let canonical = Dictionary(uniqueKeysWithValues: zip(numbers, try await node.headers(numbers)).map { ($0, $1?.hash) })
        let book = try await rates.load()
        var credited = 0
        for deposit in ready {
            let now = clock.nowMillis()
            guard canonical[deposit.blockNumber] == deposit.blockHash else {
                // The node does not vouch for the block now: it has no header at that height (a
                // lagging or load-balanced endpoint) or another one. Wait and look again. Only
                // the reorg path, which walks parent hashes to the fork, decides that a
                // deposit left the chain.
                metrics.confirmDeferred()
                logger.debug("deposit's block not confirmed by the node; waiting", metadata: [
                    "deposit": "\(deposit.key)", "block": "\(deposit.blockNumber)",
                    "node_hash": "\(canonical[deposit.blockNumber].flatMap { $0 } ?? "none")",
                ])
                continue
            }
            guard let asset = Asset(rawValue: deposit.asset) else { continue }
            let amount = try TokenAmount(unitsText: Substring(deposit.amountUnits), asset: asset)
            switch DepositConversionDecision.decide(amount, book: book, now: now) {
            case .awaitRate(let reason):
                // Written once when it starts waiting, not on every step of an outage.
                guard deposit.status != .awaitingRate else { continue }
                logger.warning("deposit awaiting a usable rate", metadata: ["deposit": "\(deposit.key)", "reason": "\(reason)"])
                _ = try await write { db in
                    try await DepositStore.transition(key: deposit.key, to: .awaitingRate, reason: reason, now: now, db)
                }
            case .refuse(let reason):
                _ = try await write { db in
                    try await DepositStore.transition(key: deposit.key, to: .parked, reason: reason, now: now, db)
                }
            case .convert(let conversion):
                if try await credit(deposit, amount: amount, conversion: conversion, now: now) { credited += 1 }
            }
        }
        return credited
    }

    /// The deposit's state and its outbox credit, in one transaction.
    private func credit(_ deposit: DepositRecord, amount: TokenAmount, conversion: Conversion, now: Int64) async throws -> Bool {
        guard conversion.cents.value > 0 else {
            _ = try await write { db in
                try await DepositStore.transition(key: deposit.key, to: .parked, reason: "worth less than one cent (\(conversion.exactUSD) USD)", now: now, db)
            }
            return false
        }
        let rate = conversion.rate
        let details = JSONValue.object([
            "source": .string("ethereum"), "chain_id": .int(Int64(chainID)), "asset": .string(deposit.asset),
            "amount_units": .string(deposit.amountUnits), "amount": .string(amount.description), "tx_hash": .string(deposit.txHash),
            "log_index": .int(deposit.logIndex), "block_number": .int(Int64(deposit.blockNumber)), "address": .string(deposit.address),
            "exact_usd": .string(conversion.exactUSD),
            "rate": .object([
                "pair": .string(rate.pair.rawValue), "field": .string(rate.field), "price": .string(rate.price.description),
                "source": .string(rate.source), "fetched_at": .string(Timestamp.rfc3339(millis: rate.fetchedAtMillis)),
            ]),
        ])
        let request = OutboxRequest(
            key: try IdempotencyKey(deposit.key), account: try AccountID(deposit.account), direction: .credit,
            amount: try PositiveCents(conversion.cents.value), kind: .cryptoTopup, reference: deposit.txHash,
            description: "\(amount) deposit at \(rate.price) \(rate.pair.rawValue)", detailsJSON: details.canonicalText
        )
        let record = DepositStore.CreditRecord(
            usdCents: conversion.cents.value, exactUSD: conversion.exactUSD, pair: rate.pair.rawValue, field: rate.field,
            price: rate.price.description, source: rate.source, fetchedAtMillis: rate.fetchedAtMillis
        )
        let done = try await write { db -> Bool in
            guard try await DepositStore.markCredited(key: deposit.key, record, now: now, db) else { return false }
            try await OutboxStore.enqueue(request, now: now, db)
            return true
        }
        if done {
            logger.info("deposit credited", metadata: [
                "deposit": "\(deposit.key)", "account": "\(deposit.account)", "usd_cents": "\(conversion.cents.value)",
                "rate": "\(rate.price) \(rate.pair.rawValue)",
            ])
        }
        return done
    }
}

/// Which endpoint the watcher's steps use.
final class EndpointChoice: Sendable {
    private let index = Mutex(0)
    var current: Int { index.withLock { $0 } }
    /// Moves on, unless another step already did.
    func failed(from endpoint: Int) { index.withLock { if $0 == endpoint { $0 += 1 } } }
}

extension Word256 {
    /// The same number as a BigUInt, for arithmetic (fees) and exact decimal text.
    var big: BigUInt {
        BigUInt(words: [limbs.3, limbs.2, limbs.1, limbs.0].map { UInt($0) })
    }
}
