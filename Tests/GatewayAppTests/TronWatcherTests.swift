import Ethereum
import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// USDT-TRC20 through the same pipeline, on the Tron stand-in (`devnet.py --tron`).
@Suite("USDT on Tron", .serialized, .enabled(if: Devnet.python != nil, "GATEWAY_PYTHON unset: the devnet needs the project venv"))
struct TronWatcherTests {
    struct Rig {
        let devnet: Devnet
        let cex: FakeCex
        let gw: TestGateway
        let watcher: ChainWatcher
        /// Alice's Tron address: `T…` as the API shows it, and its 20 bytes as the node writes them.
        let address: String
        let hex: String

        static func start(backend: TestBackend = .sqlite) async throws -> Rig {
            let devnet = try await Devnet.start(extraArguments: ["--tron"])
            let cex = try await FakeCex.start()
            let gw = try await TestGateway.start(backend: backend, environment: [
                "TRON_XPUB": DepositAddressTests.abandonTronXpub, "TRON_RPC_URL": devnet.rpcURL,
                "TRON_USDT_CONTRACT": devnet.usdtTronHex, "TRON_START_BLOCK": "1",
                "CEXIO_BASE_URL": cex.baseURL, "ETH_RPC_TIMEOUT_MS": "1000",
            ], parts: [.internalHTTP, .outboxWorker])
            try await gw.createAccount("alice")
            let address = try await gw.request(.POST, "/v1/accounts/alice/deposit-address?chain=tron").json?["address"]?.stringValue ?? ""
            try await gw.gateway.makeRateService().refreshOnce()
            let watcher = gw.gateway.makeChainWatcher(chain: .tron)
            try await watcher.checkChain()
            return Rig(devnet: devnet, cex: cex, gw: gw, watcher: watcher, address: address, hex: try TronAddress(parsing: address).evm.lowercaseHex)
        }

        func stop() async {
            await gw.stop()
            await cex.stop()
            devnet.stop()
        }

        func deposits() async throws -> [DepositRecord] {
            try await gw.gateway.deposits(status: nil, account: "alice", limit: 100).deposits
        }
    }

    @Test(arguments: TestBackend.available)
    func aDepositIsCreditedAtTwentyConfirmationsNotNineteen(backend: TestBackend) async throws {
        let rig = try await Rig.start(backend: backend)
        defer { Task { await rig.stop() } }
        #expect(rig.address == "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH")
        let tx = try await rig.devnet.call("devnet_sendToken", "[\"\(rig.hex)\", \"0x17d7840\", \"usdt\"]").stringValue ?? ""
        // A look-alike token and a failed transfer to the same address: never credited.
        try await rig.devnet.call("devnet_sendToken", "[\"\(rig.hex)\", \"0x5f5e100\", \"lookalike\"]")
        try await rig.devnet.call("devnet_failingTokenTransfer", "[\"\(rig.hex)\", \"0x5f5e100\"]")
        try await rig.devnet.mine(19)
        try await rig.watcher.pollOnce()
        let waiting = try #require(try await rig.deposits().first)
        #expect(waiting.status == .seen, "19 confirmations of 20")
        try await rig.devnet.mine(1)
        #expect(try await rig.watcher.pollOnce().credited == 1)
        let deposits = try await rig.deposits()
        #expect(deposits.count == 1, "the look-alike and the failed transfer are not deposits: \(deposits)")
        let deposit = try #require(deposits.first)
        #expect(deposit.key.rawValue == "tron:728126428:\(tx.lowercased()):usdt:0")
        #expect(deposit.status == .credited && deposit.usdCents == 2_500 && deposit.ratePrice != nil, "25 USDT at the recorded rate")
        #expect(try await TestGateway.eventually { try await rig.gw.balance("alice") == 2_500 })
        // The API shows the chain and the T… address.
        let api = try await rig.gw.request(.GET, "/v1/accounts/alice/deposits")
        let shown = try #require(api.json?["data"]?.arrayValue?.first)
        #expect(shown["chain"]?.stringValue == "tron" && shown["address"]?.stringValue == rig.address)
        #expect(shown["confirmations_required"] == .int(20) && shown["confirmations"] == .int(20))
        // Balances: Tron answers them at the head only, and the report says so. The look-alike
        // token's balance is not ours to explain.
        let balances = try await BalanceReconciler(watcher: rig.watcher, database: rig.gw.gateway.database)
            .run(at: nil, account: try AccountID("alice"), idleSample: 0, now: 1)
        #expect(balances.agrees, "\(balances.discrepancies)")
        #expect(balances.notes.contains { $0.contains("at the head only") })
        await #expect(throws: OperatorError.self) {
            _ = try await BalanceReconciler(watcher: rig.watcher, database: rig.gw.gateway.database)
                .run(at: 3, account: try AccountID("alice"), idleSample: 0, now: 1)
        }
    }

    @Test func twoTransfersInOneTransactionAndAReorgBeforeConfirmation() async throws {
        let rig = try await Rig.start()
        defer { Task { await rig.stop() } }
        try await rig.devnet.mine(3)
        let twice = try await rig.devnet.call("devnet_sendTokenTwice", "[\"\(rig.hex)\", \"0xf4240\", \"0x1e8480\"]").stringValue ?? ""
        let dropped = try await rig.devnet.call("devnet_sendToken", "[\"\(rig.hex)\", \"0x2faf080\", \"usdt\"]").stringValue ?? ""
        try await rig.devnet.mine(2)
        try await rig.watcher.pollOnce()
        #expect(try await rig.deposits().count == 3)
        // A reorg before confirmation replays only the first transaction.
        try await rig.devnet.call("devnet_reorg", "[2, [\"\(twice)\"]]")
        try await rig.devnet.mine(20)
        for _ in 0..<3 { try await rig.watcher.pollOnce() }
        let byKey = Dictionary(uniqueKeysWithValues: try await rig.deposits().map { ($0.key.rawValue, $0.status) })
        #expect(byKey["tron:728126428:\(twice.lowercased()):usdt:0"] == .credited)
        #expect(byKey["tron:728126428:\(twice.lowercased()):usdt:1"] == .credited)
        #expect(byKey["tron:728126428:\(dropped.lowercased()):usdt:0"] == .orphaned)
        #expect(try await TestGateway.eventually { try await rig.gw.balance("alice") == 300 }, "1 + 2 USDT")
    }

    /// java-tron answers an all-zero logsBloom, so the bloom cannot point at a block the range
    /// answer left out: on Tron every block without a Transfer in the answer is asked again by
    /// hash.
    @Test func aRangeOfLogsAnsweredEmptyIsAskedAgainByHashThoughTheBloomSaysNothing() async throws {
        let rig = try await Rig.start()
        defer { Task { await rig.stop() } }
        let tx = try await rig.devnet.call("devnet_sendToken", "[\"\(rig.hex)\", \"0x17d7840\", \"usdt\"]").stringValue ?? ""
        try await rig.devnet.mine(1)
        let block = try await rig.devnet.call("eth_getBlockByNumber", "[\"latest\", false]")
        #expect(block["logsBloom"]?.stringValue == "0x" + String(repeating: "00", count: 256), "as java-tron answers")
        try await rig.devnet.call("devnet_fault", #"[{"mode":"unindexed_logs","count":-1}]"#)
        try await rig.watcher.pollOnce()
        try await rig.devnet.call("devnet_fault", #"[{"mode":"none"}]"#)
        #expect(try await rig.deposits().map(\.txHash) == [tx], "found by hash, not lost behind the cursor")
    }
}
