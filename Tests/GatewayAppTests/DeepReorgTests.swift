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
        #expect(reversal.amount.minor == -301_245 && reversal.kind == .adjustment)
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
        #expect(keys == [deposit.key.rawValue, "\(deposit.key):recredit", "\(deposit.key):reversal"])
    }
}

extension DeepReorgTests {
    /// Steps until the watcher's cursor reaches the node's head.
    static func catchUp(_ rig: WatcherTests.Rig) async throws {
        let head = try await rig.devnet.mine(0)
        for _ in 0..<50 where try await rig.watcher.pollOnce().cursor < head {}
    }

    /// Two confirmations keep a window of six headers; a reorg 30 deep is found by the walk
    /// down the checkpoints (one every 128 blocks), which lands below the true fork, at block
    /// 128. Deposits below it stand; the one above the fork leaves the chain.
    @Test func aReorgDeeperThanTheHeaderWindowIsWalkedThroughTheCheckpoints() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2, extra: ["ETH_SCAN_BATCH_BLOCKS": "100"])
        defer { Task { await rig.stop() } }
        try await rig.devnet.mine(100)
        let standing = try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(WatcherTests.oneETH))]").stringValue ?? ""
        try await rig.devnet.mine(1)
        let checkpoint = ChainCursorStore.checkpointSpacing
        let fork = try await rig.devnet.mine(Int(checkpoint) + 5 - Int(try await rig.devnet.mine(0)))
        try await rig.devnet.mine(5)
        let leaving = try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(WatcherTests.oneETH))]").stringValue ?? ""
        try await rig.devnet.mine(1)
        let head = try await rig.devnet.mine(20)
        try await Self.catchUp(rig)
        #expect(try await rig.creditedBalance(2 * 301_245))

        try await rig.devnet.call("devnet_reorg", "[\(head - fork)]")
        try await rig.devnet.mine(2)
        let step = try await rig.watcher.pollOnce()
        #expect(step.reorgDepth == head - checkpoint, "rewound to the checkpoint, the highest stored block the node still agrees with")
        try await Self.catchUp(rig)
        let byTx = Dictionary(uniqueKeysWithValues: try await rig.deposits().map { ($0.txHash.lowercased(), $0.status) })
        #expect(byTx[standing.lowercased()] == .credited)
        #expect(byTx[leaving.lowercased()] == .reorgedAfterCredit, "above the fork: visible as having left the chain")
    }

    /// Deeper than every stored checkpoint: an error for an operator, never a guess.
    @Test func aReorgBelowEveryCheckpointStopsTheWatcherWithAClearError() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2, extra: ["ETH_SCAN_BATCH_BLOCKS": "100"])
        defer { Task { await rig.stop() } }
        let head = try await rig.devnet.mine(Int(ChainCursorStore.checkpointSpacing) + 20)
        try await Self.catchUp(rig)
        try await rig.devnet.call("devnet_reorg", "[\(head - 2)]")
        try await rig.devnet.mine(2)
        let error = await #expect(throws: (any Error).self) { try await rig.watcher.pollOnce() }
        #expect("\(error.map { String(describing: $0) } ?? "")".contains("below every stored checkpoint"))
    }
}

extension JSONValue {
    var arrayCount: Int? { if case .array(let items) = self { items.count } else { nil } }
}
