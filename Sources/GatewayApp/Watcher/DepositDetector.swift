import BigInt
import Ethereum
import GatewayCore
import Store

/// Finds deposits to, and transfers out of, deposit addresses in consecutive blocks: the one
/// detection routine the watcher's scan, `reconcile chain` and the benchmarks share. It reads
/// the node and the address book, and writes nothing.
struct DepositDetector: Sendable {
    let node: any EthereumNode
    let chain: ChainDescription
    /// Scanning limits (`logsMaxRange`).
    let settings: GatewayConfig.EthereumSettings
    let addressBook: AddressBook
    let database: any Database
    let metrics: GatewayMetrics

    var chainID: UInt64 { chain.chainID }

    /// What a run of consecutive blocks holds for us.
    public struct Detection: Sendable {
        public var deposits: [DepositRecord] = []
        public var outgoing: [OutgoingTransfer] = []
    }

    /// What the blocks hold for us; nil when the chain moved between the block and log queries.
    ///
    /// Per step, not per block: one batch of receipts, one `eth_getLogs` range, one owner
    /// lookup. Round trips, not bytes, are what limit catch-up.
    public func detect(_ blocks: [Block], now: Int64) async throws -> Detection? {
        var found = Detection()
        guard let first = blocks.first, let last = blocks.last else { return found }
        let hashes = Dictionary(uniqueKeysWithValues: blocks.map { ($0.header.number, $0.header.hash) })
        var incoming: [Incoming] = []
        // The native coin (ETH): top-level transactions to a deposit address with value, or from
        // one, and their receipts. A chain whose native coin is not credited skips this.
        let native = chain.nativeAsset ?? .eth
        var candidates: [(block: Block, txs: [ChainTransaction])] = []
        for block in blocks where chain.nativeAsset != nil {
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
                        txHash: tx.hash, logIndex: -1, to: to, asset: native, value: tx.value, block: block.header, failed: receipt.status != 1, ordinal: -1
                    ))
                }
                if let from = tx.from, addressBook.contains(from) {
                    // A failed transaction moves no value but still pays its fee.
                    let fee = (receipt.gasUsed?.big ?? 0) * (receipt.effectiveGasPrice?.big ?? 0)
                    found.outgoing.append(OutgoingTransfer(
                        chainID: chainID, txHash: tx.hash, logIndex: -1, address: from.lowercaseHex, asset: native.rawValue,
                        amountUnits: receipt.status == 1 ? tx.value.big.description : "0", feeUnits: fee.description,
                        blockNumber: block.header.number, blockHash: block.header.hash
                    ))
                }
            }
        }
        // USDT: Transfer logs of the configured contract to or from a deposit address. A
        // transfer's identity is its position among its transaction's Transfer logs of the
        // contract, which a reorg that moves the transaction does not change.
        var logs: [ChainLog] = []
        if let contract = chain.tokens[.usdt] {
            logs = try await transferLogs(contract, from: first.header.number, to: last.header.number)
            logs += try await logsLeftOut(contract, of: blocks, answered: logs)
            logs = try Self.distinct(logs)
        }
        let contract = chain.tokens[.usdt]
        let ordinals = contract.map { Self.ordinals(logs, contract: $0) } ?? [:]
        for log in logs {
            guard !log.removed, log.topics.count == 3, log.topics[0] == erc20TransferTopic,
                  log.address == contract, let hash = hashes[log.blockNumber], log.data.count == 32 else { continue }
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
        let owners = try await DepositAddressStore(database: database).accounts(addresses: incoming.map(\.to.lowercaseHex), chain: chain.chain)
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

    /// The logs without repeats. Some providers answer one log twice; counted twice, it would
    /// shift its transaction's ordinals and so the identities of its transfers. Two different
    /// logs at one position mean a broken answer: the step fails and is asked again.
    static func distinct(_ logs: [ChainLog]) throws -> [ChainLog] {
        var byPosition: [String: ChainLog] = [:]
        var kept: [ChainLog] = []
        for log in logs {
            let position = "\(log.blockHash):\(log.logIndex)"
            if let earlier = byPosition[position] {
                guard earlier == log else { throw RPCError.malformed("two different logs at index \(log.logIndex) of block \(log.blockHash)") }
                continue
            }
            byPosition[position] = log
            kept.append(log)
        }
        return kept
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
        let key = try chain.depositKey(txHash: transfer.txHash, asset: transfer.asset, ordinal: transfer.ordinal)
        let identity = IdempotencyKey.depositIdentity(chainID: chainID, txHash: transfer.txHash, asset: transfer.asset.rawValue, ordinal: transfer.ordinal)
        var status: DepositStatus = transfer.failed ? .failed : .seen
        var reason: String? = transfer.failed ? "receipt status 0: the transaction failed" : nil
        var amount = TokenAmount(0, transfer.asset)
        if let fitting = Self.amount(transfer.value, transfer.asset) {
            amount = fitting
        } else {
            // Beyond 128 bits no real ETH or USDT amount exists; never truncate, park it.
            status = .parked
            reason = "amount \(transfer.value.hex) exceeds 128 bits"
        }
        return DepositRecord(
            key: key, chainID: chainID, txHash: transfer.txHash, logIndex: transfer.logIndex, account: owner,
            address: transfer.to.lowercaseHex, amount: amount, blockNumber: transfer.block.number,
            blockHash: transfer.block.hash, status: status, reason: reason, seenAtMillis: now, identity: identity
        )
    }

    /// The on-chain word as an amount; nil beyond 128 bits.
    static func amount(_ value: Word256, _ asset: Asset) -> TokenAmount? {
        guard value.fits128 else { return nil }
        return TokenAmount(UInt128(value.limbs.2) << 64 | UInt128(value.limbs.3), asset)
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
    func transferLogs(_ contract: EthereumAddress, from: UInt64, to: UInt64) async throws -> [ChainLog] {
        var logs: [ChainLog] = []
        var start = from
        var span = settings.logsMaxRange
        while start <= to {
            let end = min(to, start + span - 1)
            let result: Result<[ChainLog], RPCError>
            do {
                result = .success(try await node.logs(address: contract, topic0: erc20TransferTopic, from: start, to: end))
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
                metrics.rpcError(chain.chain, error.kind)
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
    func logsLeftOut(_ contract: EthereumAddress, of blocks: [Block], answered: [ChainLog]) async throws -> [ChainLog] {
        let covered = Set(answered.lazy.filter { $0.address == contract && $0.topics.first == erc20TransferTopic }.map(\.blockNumber))
        let doubtful = blocks.filter { block in
            guard !covered.contains(block.header.number) else { return false }
            guard chain.dialect.bloomIsReliable else { return true }
            guard let bloom = block.logsBloom else { return false }
            return bloom.mayHold(contract: contract, topic: Self.transferTopicBytes)
        }
        guard !doubtful.isEmpty else { return [] }
        for _ in doubtful { metrics.logsRechecked(chain.chain) }
        // One batch for the step: near-saturated mainnet blooms say "maybe" often.
        return try await node.logs(address: contract, topic0: erc20TransferTopic, blockHashes: doubtful.map(\.header.hash)).flatMap { $0 }
    }

    private static let transferTopicBytes: [UInt8] = (try? Hex.data(erc20TransferTopic)) ?? []

    static func uint256(_ data: [UInt8]) -> Word256 { Word256(bigEndian: data) }
}

extension Word256 {
    /// The same number as a BigUInt, for arithmetic (fees) and exact decimal text.
    var big: BigUInt {
        BigUInt(words: [limbs.3, limbs.2, limbs.1, limbs.0].map { UInt($0) })
    }
}
