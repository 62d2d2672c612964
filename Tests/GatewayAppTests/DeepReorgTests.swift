import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// A reorg deeper than the confirmation depth that removes a credited deposit.
@Suite("Deep reorg after a credit", .serialized, .enabled(if: Devnet.python != nil, "GATEWAY_PYTHON unset: the devnet needs the project venv"))
struct DeepReorgTests {
    @Test func isAnAlertAndWhenConfiguredTheCreditIsDebitedBackOnce() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2, extra: ["ETH_COMPENSATE_DEEP_REORG": "true"])
        defer { Task { await rig.stop() } }
        // Empty blocks first, so the reorg below replaces none of the devnet's setup blocks.
        try await rig.devnet.mine(5)
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(WatcherTests.oneETH))]")
        try await rig.devnet.mine(2)
        #expect(try await rig.watcher.pollOnce().credited == 1)
        #expect(try await rig.creditedBalance(301_245))

        // Three blocks replaced: deeper than the two confirmations, and the deposit is gone.
        let reorg = try await rig.devnet.call("devnet_reorg", "[3]")
        #expect(reorg["reincludedTxs"]?.arrayCount == 0, "\(reorg)")
        try await rig.devnet.mine(1)
        #expect(try await rig.watcher.pollOnce().reorgDepth != nil)
        let deposit = try #require(try await rig.deposits().first)
        #expect(deposit.status == .reorgedAfterCredit)
        #expect(try await rig.creditedBalance(0), "the credit is debited back")
        let reversal = try #require(try await rig.gw.gateway.wallet.entry(key: try IdempotencyKey("\(deposit.key):reversal")))
        #expect(reversal.amount.value == -301_245 && reversal.kind == .adjustment)
        // Further steps change nothing.
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        #expect(try await rig.balance() == 0)
        #expect(try await rig.gw.gateway.outbox.list(status: nil, limit: 10).count == 2)
    }
}

extension DeepReorgTests {
    /// The same transaction lands again in the new chain: the deposit is credited again, and
    /// the compensating debit is undone, so the account ends where it should.
    @Test func aReincludedDepositIsCreditedAgainAndTheDebitUndone() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2, extra: ["ETH_COMPENSATE_DEEP_REORG": "true"])
        defer { Task { await rig.stop() } }
        // Empty blocks first, so the reorg below replaces none of the devnet's setup blocks.
        try await rig.devnet.mine(5)
        let tx = try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(WatcherTests.oneETH))]").stringValue ?? ""
        try await rig.devnet.mine(2)
        #expect(try await rig.watcher.pollOnce().credited == 1)
        #expect(try await rig.creditedBalance(301_245))
        let reorg = try await rig.devnet.call("devnet_reorg", "[3, [\"\(tx)\"]]")
        #expect(reorg["reincludedTxs"] == .array([.string(tx)]))
        try await rig.devnet.mine(1)
        try await rig.watcher.pollOnce()
        try await rig.devnet.mine(2)
        try await rig.watcher.pollOnce()
        let deposit = try #require(try await rig.deposits().first)
        #expect(deposit.status == .credited)
        #expect(try await rig.creditedBalance(301_245), "credit − reversal + re-credit")
        let keys = try await rig.gw.gateway.outbox.list(status: nil, limit: 10).map(\.key.rawValue).sorted()
        #expect(keys == [deposit.key, "\(deposit.key):recredit", "\(deposit.key):reversal"])
    }
}

extension JSONValue {
    var arrayCount: Int? { if case .array(let items) = self { items.count } else { nil } }
}
