/// What the watcher reads from a node, parsed strictly at the edge.
public struct BlockHeader: Sendable, Equatable {
    public let number: UInt64
    public let hash: String
    public let parentHash: String

    public init(number: UInt64, hash: String, parentHash: String) {
        self.number = number
        self.hash = hash
        self.parentHash = parentHash
    }

    init(_ node: JSONNode) throws(RPCError) {
        number = try node.uint64("number")
        hash = try node.hash("hash")
        parentHash = try node.hash("parentHash")
    }
}

public struct ChainTransaction: Sendable, Equatable {
    public let hash: String
    /// nil for contract creation.
    public let to: EthereumAddress?
    /// Wei, up to 256 bits.
    public let value: Word256
    /// The sender; nil only if a node leaves it out (then outgoing transfers cannot be seen).
    public let from: EthereumAddress?

    init(_ node: JSONNode) throws(RPCError) {
        hash = try node.hash("hash")
        from = try node.address("from")
        to = try node.address("to")
        value = try node.quantity("value")
    }
}

public struct Block: Sendable, Equatable {
    public let header: BlockHeader
    public let transactions: [ChainTransaction]
    /// Nil when the node leaves it out; then no answer about this block's logs can be checked.
    public let logsBloom: LogsBloom?

    init(_ node: JSONNode) throws(RPCError) {
        header = try BlockHeader(node)
        if let bloom = node["logsBloom"], !bloom.isNull {
            guard let text = bloom.string else { throw .malformed("bad logsBloom") }
            logsBloom = try LogsBloom(bytes: Hex.data(text))
        } else {
            logsBloom = nil
        }
        var transactions: [ChainTransaction] = []
        let items = node["transactions"]?.array ?? []
        transactions.reserveCapacity(items.count)
        for item in items {
            // Hash-only transaction lists mean the node ignored `true`: refuse rather than miss deposits.
            guard item.isObject else { throw .malformed("block \(header.number) lacks full transactions") }
            transactions.append(try ChainTransaction(item))
        }
        self.transactions = transactions
    }
}

public struct ChainLog: Sendable, Equatable {
    public let address: EthereumAddress
    public let topics: [String]
    public let data: [UInt8]
    public let blockNumber: UInt64
    public let blockHash: String
    public let transactionHash: String
    public let logIndex: UInt64
    public let removed: Bool

    init(_ node: JSONNode) throws(RPCError) {
        guard let address = try node.address("address") else { throw .malformed("bad log address") }
        self.address = address
        var topics: [String] = []
        for topic in node["topics"]?.array ?? [] {
            guard let text = try topic.withStringBytes({ bytes throws(RPCError) in try Hex.hashText(bytes: bytes) }) else { throw .malformed("bad topic") }
            topics.append(text)
        }
        self.topics = topics
        guard let data = node["data"]?.string else { throw .malformed("missing field data") }
        self.data = try Hex.data(data)
        blockNumber = try node.uint64("blockNumber")
        blockHash = try node.hash("blockHash")
        transactionHash = try node.hash("transactionHash")
        logIndex = try node.uint64("logIndex")
        removed = node["removed"]?.value == .bool(true)
    }
}

public struct ChainReceipt: Sendable, Equatable {
    public let transactionHash: String
    public let blockHash: String
    public let blockNumber: UInt64
    /// 1 success, 0 failure (post-Byzantium).
    public let status: UInt64
    /// Gas used and the price paid per gas: their product is the fee the sender paid.
    public let gasUsed: Word256?
    public let effectiveGasPrice: Word256?

    init(_ node: JSONNode) throws(RPCError) {
        transactionHash = try node.hash("transactionHash")
        blockHash = try node.hash("blockHash")
        blockNumber = try node.uint64("blockNumber")
        status = try node.uint64("status")
        gasUsed = try node.optionalQuantity("gasUsed")
        effectiveGasPrice = try node.optionalQuantity("effectiveGasPrice")
    }

    /// The transaction hash of a receipt without decoding the rest (to skip the ones not asked for).
    static func transactionHash(of node: JSONNode) throws(RPCError) -> String { try node.hash("transactionHash") }
}

/// keccak256("Transfer(address,address,uint256)").
public let erc20TransferTopic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

extension JSONNode {
    /// A required string member, parsed from its bytes by `parse`.
    private func parsed<T>(_ key: String, _ parse: (ArraySlice<UInt8>) throws(RPCError) -> T) throws(RPCError) -> T {
        guard let value = try field(key).withStringBytes(parse) else { throw .malformed("bad \(key)") }
        return value
    }

    /// A required hash member, lowercase.
    func hash(_ key: String) throws(RPCError) -> String { try parsed(key, Hex.hashText) }

    func quantity(_ key: String) throws(RPCError) -> Word256 { try parsed(key, Hex.quantity256) }

    func optionalQuantity(_ key: String) throws(RPCError) -> Word256? {
        guard let node = self[key], !node.isNull else { return nil }
        return try quantity(key)
    }

    func uint64(_ key: String) throws(RPCError) -> UInt64 { try parsed(key, Hex.uint64) }

    /// An address member; nil when absent or null (contract creation has no `to`).
    func address(_ key: String) throws(RPCError) -> EthereumAddress? {
        guard let node = self[key], !node.isNull else { return nil }
        if let fast = try node.withStringBytes({ bytes throws(RPCError) in EthereumAddress(lowercaseHex: bytes) }), let address = fast {
            return address
        }
        // Mixed case (EIP-55) or malformed: the general parser checks the checksum.
        guard let text = node.string else { throw .malformed("bad \(key) address") }
        do { return try EthereumAddress(hex: text) } catch { throw .malformed("bad \(key) address") }
    }
}
