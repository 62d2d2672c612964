/// The node calls the watcher makes, typed. Every error thrown is an `RPCError`. `JSONRPCNode` speaks to a real node; tests can
/// substitute their own.
public protocol EthereumNode: Sendable {
    func chainID() async throws -> UInt64
    func blockNumber() async throws -> UInt64
    /// Headers of these heights; nil where the node has no such block.
    func headers(_ numbers: [UInt64]) async throws -> [BlockHeader?]
    /// Blocks with full transactions; nil where the node has no such block.
    func blocks(_ numbers: [UInt64]) async throws -> [Block?]
    /// Every receipt of each block through `eth_getBlockReceipts`, in one batch; nil for a
    /// block the node cannot answer that way (no such method, or no such block).
    /// - Parameter wanted: when given, only these transactions' receipts are decoded.
    func blockReceipts(_ numbers: [UInt64], only wanted: Set<String>?) async throws -> [[ChainReceipt]?]
    func receipts(_ transactionHashes: [String]) async throws -> [ChainReceipt?]
    func logs(address: EthereumAddress, topic0: String, from: UInt64, to: UInt64) async throws -> [ChainLog]
    /// The logs of each block by its hash (EIP-234), in one batch. Unlike a range query, a
    /// node that does not have a block answers an error, never an empty list.
    func logs(address: EthereumAddress, topic0: String, blockHashes: [String]) async throws -> [[ChainLog]]
    /// Wei balance at a block (for reconciliation).
    func balance(_ address: EthereumAddress, at block: UInt64) async throws -> Word256
    /// `eth_call` at a block: the returned bytes (for ERC-20 `balanceOf`).
    func call(to contract: EthereumAddress, data: [UInt8], at block: UInt64) async throws -> [UInt8]
    /// `eth_call` at `latest`: java-tron answers state queries at no other block.
    func callAtLatest(to contract: EthereumAddress, data: [UInt8]) async throws -> [UInt8]
    /// How many endpoints stand behind this node; 1 by default.
    var endpointCount: Int { get }
    /// Which endpoint this node speaks to when pinned; 0 by default.
    var endpoint: Int { get }
    /// This node pinned to one endpoint (see the extension); itself by default.
    func pinned(to endpoint: Int) -> any EthereumNode
}

extension EthereumNode {
    /// How many endpoints stand behind this node (`ETH_RPC_URL` may list several).
    public var endpointCount: Int { 1 }
    /// Which endpoint this node speaks to, when pinned to one.
    public var endpoint: Int { 0 }
    /// This node speaking to one endpoint only, so that everything one step reads (the head,
    /// headers, blocks, receipts, logs) comes from one consistent view. Endpoints may lag each
    /// other; mixing their answers in one step would mix chains.
    public func pinned(to endpoint: Int) -> any EthereumNode { self }

    public func blockReceipts(_ numbers: [UInt64]) async throws -> [[ChainReceipt]?] {
        try await blockReceipts(numbers, only: nil)
    }

    /// At the head's number, for nodes that take numbers.
    public func callAtLatest(to contract: EthereumAddress, data: [UInt8]) async throws -> [UInt8] {
        try await call(to: contract, data: data, at: try await blockNumber())
    }

    /// ERC-20 `balanceOf(owner)` at `latest` (Tron).
    public func tokenBalanceAtLatest(_ token: EthereumAddress, owner: EthereumAddress) async throws -> Word256 {
        let answer = try await callAtLatest(to: token, data: Self.balanceOf(owner))
        guard answer.count == 32 else { throw RPCError.malformed("balanceOf answered \(answer.count) bytes, expected 32") }
        return Word256(bigEndian: answer)
    }

    /// selector keccak("balanceOf(address)")[0..4] = 0x70a08231, then the owner left-padded to 32 bytes.
    static func balanceOf(_ owner: EthereumAddress) -> [UInt8] {
        [0x70, 0xa0, 0x82, 0x31] + [UInt8](repeating: 0, count: 12) + owner.bytes
    }

    /// ERC-20 `balanceOf(owner)` at a block.
    public func tokenBalance(_ token: EthereumAddress, owner: EthereumAddress, at block: UInt64) async throws -> Word256 {
        let answer = try await call(to: token, data: Self.balanceOf(owner), at: block)
        guard answer.count == 32 else { throw RPCError.malformed("balanceOf answered \(answer.count) bytes, expected 32") }
        return Word256(bigEndian: answer)
    }
}

public struct JSONRPCNode: EthereumNode {
    public let client: JSONRPCClient
    public let endpoint: Int

    public init(client: JSONRPCClient, endpoint: Int = 0) {
        self.client = client
        self.endpoint = endpoint
    }

    public var endpointCount: Int { client.endpoints.count }

    /// The same client with only endpoint `endpoint` (modulo their number): retries stay on it.
    public func pinned(to endpoint: Int) -> any EthereumNode {
        guard client.endpoints.count > 1 else { return self }
        let index = endpoint % client.endpoints.count
        return JSONRPCNode(client: client.only(index), endpoint: index)
    }

    public func chainID() async throws -> UInt64 {
        guard let text = try await client.call("eth_chainId", []).string else { throw RPCError.malformed("eth_chainId") }
        return try Hex.uint64(text)
    }

    public func blockNumber() async throws -> UInt64 {
        guard let text = try await client.call("eth_blockNumber", []).string else { throw RPCError.malformed("eth_blockNumber") }
        return try Hex.uint64(text)
    }

    public func headers(_ numbers: [UInt64]) async throws -> [BlockHeader?] {
        let answers = try await client.batch(numbers.map { .init("eth_getBlockByNumber", [.string(Hex.quantity($0)), .bool(false)]) })
        var headers: [BlockHeader?] = []
        for answer in answers {
            let value = try answer.get()
            headers.append(value.isNull ? nil : try BlockHeader(value))
        }
        return headers
    }

    public func blocks(_ numbers: [UInt64]) async throws -> [Block?] {
        let answers = try await client.batch(numbers.map { .init("eth_getBlockByNumber", [.string(Hex.quantity($0)), .bool(true)]) })
        var blocks: [Block?] = []
        for answer in answers {
            let value = try answer.get()
            blocks.append(value.isNull ? nil : try Block(value))
        }
        return blocks
    }

    /// Blocks per `eth_getBlockReceipts` batch: a busy mainnet block's receipts, with logs and
    /// blooms, can approach a megabyte, and a batch must stay well under the client's
    /// `maxResponseBytes`.
    public static let receiptBlocksPerBatch = 16

    public func blockReceipts(_ numbers: [UInt64], only wanted: Set<String>?) async throws -> [[ChainReceipt]?] {
        var answers: [Result<JSONNode, RPCError>] = []
        for start in stride(from: 0, to: numbers.count, by: Self.receiptBlocksPerBatch) {
            let chunk = numbers[start..<min(start + Self.receiptBlocksPerBatch, numbers.count)]
            answers += try await client.batch(chunk.map { .init("eth_getBlockReceipts", [.string(Hex.quantity($0))]) })
        }
        var out: [[ChainReceipt]?] = []
        for answer in answers {
            switch answer {
            case .failure(.node(let code, _)) where code == -32601:
                // Method not found: the caller falls back to per-transaction receipts.
                out.append(nil)
            case .failure(let error):
                throw error
            case .success(let value):
                guard let list = value.array else {
                    out.append(nil)
                    continue
                }
                var receipts: [ChainReceipt] = []
                for item in list {
                    if let wanted, !wanted.contains(try ChainReceipt.transactionHash(of: item)) { continue }
                    receipts.append(try ChainReceipt(item))
                }
                out.append(receipts)
            }
        }
        return out
    }

    public func receipts(_ transactionHashes: [String]) async throws -> [ChainReceipt?] {
        let answers = try await client.batch(transactionHashes.map { .init("eth_getTransactionReceipt", [.string($0)]) })
        var receipts: [ChainReceipt?] = []
        for answer in answers {
            let value = try answer.get()
            receipts.append(value.isNull ? nil : try ChainReceipt(value))
        }
        return receipts
    }

    public func logs(address: EthereumAddress, topic0: String, from: UInt64, to: UInt64) async throws -> [ChainLog] {
        let filter = RPCValue.object([
            "address": .string(address.lowercaseHex), "topics": .array([.string(topic0)]),
            "fromBlock": .string(Hex.quantity(from)), "toBlock": .string(Hex.quantity(to)),
        ])
        return try await logs(filter)
    }

    public func logs(address: EthereumAddress, topic0: String, blockHashes: [String]) async throws -> [[ChainLog]] {
        guard !blockHashes.isEmpty else { return [] }
        let calls = blockHashes.map { hash in
            JSONRPCClient.Call("eth_getLogs", [.object([
                "address": .string(address.lowercaseHex), "topics": .array([.string(topic0)]), "blockHash": .string(hash),
            ])])
        }
        var answers: [[ChainLog]] = []
        for answer in try await client.batch(calls) {
            guard let list = try answer.get().array else { throw RPCError.malformed("eth_getLogs") }
            var logs: [ChainLog] = []
            for item in list { logs.append(try ChainLog(item)) }
            answers.append(logs)
        }
        return answers
    }

    private func logs(_ filter: RPCValue) async throws -> [ChainLog] {
        guard let list = try await client.batch([.init("eth_getLogs", [filter])])[0].get().array else {
            throw RPCError.malformed("eth_getLogs")
        }
        var logs: [ChainLog] = []
        for item in list { logs.append(try ChainLog(item)) }
        return logs
    }

    public func balance(_ address: EthereumAddress, at block: UInt64) async throws -> Word256 {
        guard let text = try await client.call("eth_getBalance", [.string(address.lowercaseHex), .string(Hex.quantity(block))]).string else {
            throw RPCError.malformed("eth_getBalance")
        }
        return try Hex.quantity256(text)
    }

    public func call(to contract: EthereumAddress, data: [UInt8], at block: UInt64) async throws -> [UInt8] {
        try await call(to: contract, data: data, tag: Hex.quantity(block))
    }

    public func callAtLatest(to contract: EthereumAddress, data: [UInt8]) async throws -> [UInt8] {
        try await call(to: contract, data: data, tag: "latest")
    }

    private func call(to contract: EthereumAddress, data: [UInt8], tag: String) async throws -> [UInt8] {
        let request = RPCValue.object(["to": .string(contract.lowercaseHex), "data": .string(Hex.encode(data))])
        guard let text = try await client.call("eth_call", [request, .string(tag)]).string else {
            throw RPCError.malformed("eth_call")
        }
        return try Hex.data(text)
    }
}
