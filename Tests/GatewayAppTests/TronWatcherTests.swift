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
    /// The watcher tests' rig on the Tron stand-in; `address` is alice's address as the node
    /// writes it (20-byte hex).
    typealias Rig = WatcherTests.Rig

    /// Alice's address as the API shows it.
    static func shown(_ rig: Rig) throws -> String { TronAddress(evm: try EthereumAddress(hex: rig.address)).base58 }

    @Test(arguments: TestBackend.available)
    func aDepositIsCreditedAtTwentyConfirmationsNotNineteen(backend: TestBackend) async throws {
        let rig = try await Rig.startTron(backend: backend)
        defer { Task { await rig.stop() } }
        #expect(try Self.shown(rig) == "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH")
        let tx = try await rig.devnet.call("devnet_sendToken", "[\"\(rig.address)\", \"0x17d7840\", \"usdt\"]").stringValue ?? ""
        // A look-alike token and a failed transfer to the same address: never credited.
        try await rig.devnet.call("devnet_sendToken", "[\"\(rig.address)\", \"0x5f5e100\", \"lookalike\"]")
        try await rig.devnet.call("devnet_failingTokenTransfer", "[\"\(rig.address)\", \"0x5f5e100\"]")
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
        #expect(deposit.status == .credited && deposit.creditMinor == 2_500 && deposit.ratePrice != nil, "25 USDT at the recorded rate")
        #expect(try await TestGateway.eventually { try await rig.gw.balance("alice") == 2_500 })
        // The API shows the chain and the T… address.
        let api = try await rig.gw.request(.GET, "/v1/accounts/alice/deposits")
        let shown = try #require(api.json?["data"]?.arrayValue?.first)
        let tronAddress = try Self.shown(rig)
        #expect(shown["chain"]?.stringValue == "tron" && shown["address"]?.stringValue == tronAddress)
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
        let rig = try await Rig.startTron()
        defer { Task { await rig.stop() } }
        try await rig.devnet.mine(3)
        let twice = try await rig.devnet.call("devnet_sendTokenTwice", "[\"\(rig.address)\", \"0xf4240\", \"0x1e8480\"]").stringValue ?? ""
        let dropped = try await rig.devnet.call("devnet_sendToken", "[\"\(rig.address)\", \"0x2faf080\", \"usdt\"]").stringValue ?? ""
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
        let rig = try await Rig.startTron()
        defer { Task { await rig.stop() } }
        let tx = try await rig.devnet.call("devnet_sendToken", "[\"\(rig.address)\", \"0x17d7840\", \"usdt\"]").stringValue ?? ""
        try await rig.devnet.mine(1)
        let block = try await rig.devnet.call("eth_getBlockByNumber", "[\"latest\", false]")
        #expect(block["logsBloom"]?.stringValue == "0x" + String(repeating: "00", count: 256), "as java-tron answers")
        try await rig.devnet.call("devnet_fault", #"[{"mode":"unindexed_logs","count":-1}]"#)
        try await rig.watcher.pollOnce()
        try await rig.devnet.call("devnet_fault", #"[{"mode":"none"}]"#)
        #expect(try await rig.deposits().map(\.txHash) == [tx], "found by hash, not lost behind the cursor")
    }
}
