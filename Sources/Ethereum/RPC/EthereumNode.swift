/// The node calls the watcher makes, typed. `JSONRPCNode` speaks to a real node; tests can
/// substitute their own.
public protocol EthereumNode: Sendable {
    func chainID() async throws(RPCError) -> UInt64
    func blockNumber() async throws(RPCError) -> UInt64
    /// Headers of these heights; nil where the node has no such block.
    func headers(_ numbers: [UInt64]) async throws(RPCError) -> [BlockHeader?]
    /// Blocks with full transactions; nil where the node has no such block.
    func blocks(_ numbers: [UInt64]) async throws(RPCError) -> [Block?]
    /// Every receipt of a block through `eth_getBlockReceipts`; nil if the node lacks the method.
    func blockReceipts(_ number: UInt64) async throws(RPCError) -> [ChainReceipt]?
    func receipts(_ transactionHashes: [String]) async throws(RPCError) -> [ChainReceipt?]
    func logs(address: EthereumAddress, topic0: String, from: UInt64, to: UInt64) async throws(RPCError) -> [ChainLog]
    /// Wei balance at a block (for reconciliation).
    func balance(_ address: EthereumAddress, at block: UInt64) async throws(RPCError) -> (high: UInt128, low: UInt128)
}

public struct JSONRPCNode: EthereumNode {
    public let client: JSONRPCClient

    public init(client: JSONRPCClient) { self.client = client }

    public func chainID() async throws(RPCError) -> UInt64 {
        guard let text = try await client.call("eth_chainId", []).string else { throw .malformed("eth_chainId") }
        return try Hex.uint64(text)
    }

    public func blockNumber() async throws(RPCError) -> UInt64 {
        guard let text = try await client.call("eth_blockNumber", []).string else { throw .malformed("eth_blockNumber") }
        return try Hex.uint64(text)
    }

    public func headers(_ numbers: [UInt64]) async throws(RPCError) -> [BlockHeader?] {
        let answers = try await client.batch(numbers.map { .init("eth_getBlockByNumber", [.string(Hex.quantity($0)), .bool(false)]) })
        var headers: [BlockHeader?] = []
        for answer in answers {
            let value = try answer.get()
            headers.append(value.isNull ? nil : try BlockHeader(value))
        }
        return headers
    }

    public func blocks(_ numbers: [UInt64]) async throws(RPCError) -> [Block?] {
        let answers = try await client.batch(numbers.map { .init("eth_getBlockByNumber", [.string(Hex.quantity($0)), .bool(true)]) })
        var blocks: [Block?] = []
        for answer in answers {
            let value = try answer.get()
            blocks.append(value.isNull ? nil : try Block(value))
        }
        return blocks
    }

    public func blockReceipts(_ number: UInt64) async throws(RPCError) -> [ChainReceipt]? {
        do {
            let value = try await client.call("eth_getBlockReceipts", [.string(Hex.quantity(number))])
            guard let list = value.array else { return value.isNull ? nil : nil }
            var receipts: [ChainReceipt] = []
            for item in list { receipts.append(try ChainReceipt(item)) }
            return receipts
        } catch {
            // -32601: method not found; fall back to per-transaction receipts.
            if case .node(let code, _) = error, code == -32601 { return nil }
            throw error
        }
    }

    public func receipts(_ transactionHashes: [String]) async throws(RPCError) -> [ChainReceipt?] {
        let answers = try await client.batch(transactionHashes.map { .init("eth_getTransactionReceipt", [.string($0)]) })
        var receipts: [ChainReceipt?] = []
        for answer in answers {
            let value = try answer.get()
            receipts.append(value.isNull ? nil : try ChainReceipt(value))
        }
        return receipts
    }

    public func logs(address: EthereumAddress, topic0: String, from: UInt64, to: UInt64) async throws(RPCError) -> [ChainLog] {
        let filter = RPCValue.object([
            "address": .string(address.lowercaseHex), "topics": .array([.string(topic0)]),
            "fromBlock": .string(Hex.quantity(from)), "toBlock": .string(Hex.quantity(to)),
        ])
        guard let list = try await client.call("eth_getLogs", [filter]).array else { throw .malformed("eth_getLogs") }
        var logs: [ChainLog] = []
        for item in list { logs.append(try ChainLog(item)) }
        return logs
    }

    public func balance(_ address: EthereumAddress, at block: UInt64) async throws(RPCError) -> (high: UInt128, low: UInt128) {
        guard let text = try await client.call("eth_getBalance", [.string(address.lowercaseHex), .string(Hex.quantity(block))]).string else {
            throw .malformed("eth_getBalance")
        }
        return try Hex.quantity256(text)
    }
}
