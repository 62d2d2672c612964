import Ethereum
import Foundation
import GatewayTestSupport
import Testing

/// The JSON-RPC client against the real devnet: strict parsing of every shape the watcher reads.
@Suite("JSON-RPC client on the devnet", .enabled(if: Devnet.python != nil, "GATEWAY_PYTHON unset: the devnet needs the project venv"))
struct DevnetRPCTests {
    @Test func everyCallTheWatcherMakesParses() async throws {
        let devnet = try await Devnet.start()
        defer { devnet.stop() }
        let address = "0x9858effd232b4033e47d90003d41ec34ecaeda94"
        try await devnet.call("devnet_sendEth", "[\"\(address)\", \"0x1000\"]")
        try await devnet.call("devnet_sendToken", "[\"\(address)\", \"0xf4240\", \"usdt\"]")
        try await devnet.mine(1)
        let node = JSONRPCNode(client: JSONRPCClient(endpoints: [devnet.rpcURL], timeoutMillis: 2000))
        #expect(try await node.chainID() == 1337)
        #expect(try await node.blockNumber() == 2)
        let headers = try await node.headers([1, 2, 99])
        #expect(headers[1]?.parentHash == headers[0]?.hash)
        #expect(headers[2] == nil)
        let block = try #require(try await node.blocks([2])[0])
        let eth = try #require(block.transactions.first { $0.to?.lowercaseHex == address })
        #expect(eth.value == Word256(limbs: (0, 0, 0, 0x1000)))
        #expect(try await node.blockReceipts([2])[0]?.allSatisfy { $0.status == 1 } == true)
        #expect(try await node.tokenBalance(try EthereumAddress(hex: devnet.usdt), owner: try EthereumAddress(hex: address), at: 2).isZero == false)
        let logs = try await node.logs(address: try EthereumAddress(hex: devnet.usdt), topic0: erc20TransferTopic, from: 2, to: 2)
        #expect(logs.count == 1)
        #expect(logs.first?.topics.count == 3)
        #expect(try await node.logs(address: try EthereumAddress(hex: devnet.usdt), topic0: erc20TransferTopic, blockHashes: [block.header.hash]) == [logs])
        // py-evm's blooms agree with ours: the token's Transfer may be in block 2, not in an empty block.
        let topic = try Hex.data(erc20TransferTopic)
        #expect(block.logsBloom?.mayHold(contract: try EthereumAddress(hex: devnet.usdt), topic: topic) == true)
        #expect(try await node.balance(try EthereumAddress(hex: address), at: 2) == Word256(limbs: (0, 0, 0, 0x1000)))
        // A provider's range limit is typed, so the scanner can halve.
        try await devnet.call("devnet_configure", #"[{"maxLogRange":1,"logLimitStyle":"alchemy"}]"#)
        let limited = await #expect(throws: RPCError.self) {
            _ = try await node.logs(address: try EthereumAddress(hex: devnet.usdt), topic0: erc20TransferTopic, from: 1, to: 2)
        }
        #expect(limited?.isRangeLimit == true)
        // Batches with answers out of order are matched by id.
        try await devnet.call("devnet_configure", #"[{"shuffleBatches":true}]"#)
        let shuffled = try await node.headers([1, 2])
        #expect(shuffled.map { $0?.number } == [1, 2])
        let empty = try await devnet.mine(1)
        #expect(try await node.blocks([empty])[0]?.logsBloom?.mayHold(contract: try EthereumAddress(hex: devnet.usdt), topic: topic) == false)
    }
}
