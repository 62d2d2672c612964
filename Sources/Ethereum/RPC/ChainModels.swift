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

    init(_ value: RPCValue) throws(RPCError) {
        number = try Hex.uint64(try value.field("number"))
        hash = try Hex.hash(try value.field("hash"))
        parentHash = try Hex.hash(try value.field("parentHash"))
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

    init(_ value: RPCValue) throws(RPCError) {
        hash = try Hex.hash(try value.field("hash"))
        if let from = value["from"]?.string {
            do { self.from = try EthereumAddress(hex: from) } catch { throw .malformed("bad from address") }
        } else {
            from = nil
        }
        if let to = value["to"]?.string {
            do { self.to = try EthereumAddress(hex: to) } catch { throw .malformed("bad to address") }
        } else {
            to = nil
        }
        self.value = try Hex.quantity256(try value.field("value"))
    }
}

public struct Block: Sendable, Equatable {
    public let header: BlockHeader
    public let transactions: [ChainTransaction]

    init(_ value: RPCValue) throws(RPCError) {
        header = try BlockHeader(value)
        var transactions: [ChainTransaction] = []
        for item in value["transactions"]?.array ?? [] {
            // Hash-only transaction lists mean the node ignored `true`: refuse rather than miss deposits.
            guard case .object = item else { throw .malformed("block \(header.number) lacks full transactions") }
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

    init(_ value: RPCValue) throws(RPCError) {
        do { address = try EthereumAddress(hex: try value.field("address")) } catch { throw .malformed("bad log address") }
        var topics: [String] = []
        for topic in value["topics"]?.array ?? [] {
            guard let text = topic.string else { throw .malformed("bad topic") }
            topics.append(try Hex.hash(text))
        }
        self.topics = topics
        data = try Hex.data(try value.field("data"))
        blockNumber = try Hex.uint64(try value.field("blockNumber"))
        blockHash = try Hex.hash(try value.field("blockHash"))
        transactionHash = try Hex.hash(try value.field("transactionHash"))
        logIndex = try Hex.uint64(try value.field("logIndex"))
        if case .bool(let removed)? = value["removed"] { self.removed = removed } else { self.removed = false }
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

    init(_ value: RPCValue) throws(RPCError) {
        transactionHash = try Hex.hash(try value.field("transactionHash"))
        blockHash = try Hex.hash(try value.field("blockHash"))
        blockNumber = try Hex.uint64(try value.field("blockNumber"))
        status = try Hex.uint64(try value.field("status"))
        gasUsed = try value["gasUsed"]?.string.map { text throws(RPCError) in try Hex.quantity256(text) }
        effectiveGasPrice = try value["effectiveGasPrice"]?.string.map { text throws(RPCError) in try Hex.quantity256(text) }
    }
}

/// keccak256("Transfer(address,address,uint256)").
public let erc20TransferTopic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
