import Ethereum
import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// `reconcile chain` and `reconcile balances` on the py-evm devnet.
@Suite("Reconcile the chain and balances on the devnet", .serialized, .enabled(if: Devnet.python != nil, "GATEWAY_PYTHON unset: the devnet needs the project venv"))
struct ReconcileChainTests {
    typealias Rig = WatcherTests.Rig
    static let oneETH = WatcherTests.oneETH

    @Test func aDepositSkippedWhileTheWatcherWasStoppedIsFoundAndCreditedOnce() async throws {
        let rig = try await Rig.start(confirmations: 3)
        defer { Task { await rig.stop() } }
        let chainID = UInt64(rig.devnet.chainID)
        try await rig.watcher.pollOnce()
        // The watcher is down; a deposit lands; someone moves the cursor past it.
        let tx = try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH))]").stringValue ?? ""
        let block = try await rig.devnet.mine()
        try await rig.gw.gateway.database.transaction { db in
            try await ChainCursorStore.setCursor(chainID: chainID, number: block, head: block, now: 0, db)
        }
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        #expect(try await rig.deposits().isEmpty, "the watcher resumed past the deposit")

        let head = try await rig.devnet.mine(0)
        let reconciler = ChainReconciler(watcher: rig.watcher, database: rig.gw.gateway.database)
        let name = try OperatorName("t")
        let report = try await reconciler.run(from: 1, to: head, fix: false, operator: name, now: 1)
        let key = "eth:\(chainID):\(tx.lowercased()):-1"
        #expect(report.discrepancies.map { "\($0.kind) \($0.subject)" } == ["missing_deposit \(key)"])
        #expect(try await rig.deposits().isEmpty, "without --fix nothing changes")

        let fixed = try await reconciler.run(from: 1, to: head, fix: true, operator: name, now: 2)
        #expect(fixed.discrepancies.map(\.fixed) == [true])
        #expect(try await rig.creditedBalance(301_245))
        let again = try await reconciler.run(from: 1, to: head, fix: true, operator: name, now: 3)
        #expect(again.agrees, "\(again.discrepancies)")
        try await rig.devnet.mine(2)
        try await rig.watcher.pollOnce()
        #expect(try await rig.balance() == 301_245)
        let history = try await rig.gw.gateway.wallet.history(try AccountID("alice"), limit: 10, startingAfter: nil)
        #expect(history.count == 1)
        let audit = try await AuditLog.list(rig.gw.gateway.database, limit: 10)
        #expect(audit.map(\.action) == ["reconcile.chain.fix"] && audit.first?.subject == key)
    }

    @Test func fixLeavesDepositsAboveTheWatchersCursorToTheWatcher() async throws {
        let rig = try await Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        try await rig.watcher.pollOnce()
        let cursor = try await rig.devnet.mine(0)
        let tx = try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH))]").stringValue ?? ""
        let head = try await rig.devnet.mine(3)
        let reconciler = ChainReconciler(watcher: rig.watcher, database: rig.gw.gateway.database)
        let report = try await reconciler.run(from: 1, to: head, fix: true, operator: try OperatorName("t"), now: 1)
        #expect(report.discrepancies.map(\.kind) == ["missing_deposit"])
        #expect(report.discrepancies.first?.fixed == false)
        #expect(report.discrepancies.first?.action.contains("scanned to \(cursor)") == true)
        #expect(try await rig.deposits().isEmpty, "no row ahead of the watcher, without a header to walk if its block leaves the chain")
        // A reorg there now: the watcher scans the canonical chain and finds the deposit replayed.
        try await rig.devnet.call("devnet_reorg", "[3, [\"\(tx)\"]]")
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        #expect(try await rig.creditedBalance(301_245))
        #expect(try await rig.deposits().map(\.status) == [.credited])
    }

    @Test func fixRefusesAnEndpointWhoseChainDiffersFromTheWatchersAtItsCursor() async throws {
        let rig = try await Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH))]")
        try await rig.devnet.mine(1)
        try await rig.watcher.pollOnce()  // recorded, one confirmation of two
        let cursor = try await rig.devnet.mine(0)
        let node = VeilingNode(JSONRPCNode(client: JSONRPCClient(endpoints: [rig.devnet.rpcURL], timeoutMillis: 2_000)))
        let reconciler = ChainReconciler(watcher: rig.gw.gateway.makeChainWatcher(node: node), database: rig.gw.gateway.database)
        node.veil(cursor, .foreign)
        await #expect(throws: OperatorError.self) {
            _ = try await reconciler.run(from: 1, to: cursor, fix: true, operator: try OperatorName("t"), now: 1)
        }
        #expect(try await rig.deposits().map(\.status) == [.seen], "nothing changed")
        #expect(try await AuditLog.list(rig.gw.gateway.database, limit: 10).isEmpty)
        // Without --fix it still reports; on the watcher's view --fix runs.
        _ = try await reconciler.run(from: 1, to: cursor, fix: false, operator: try OperatorName("t"), now: 2)
        node.veil(nil, .missing)
        #expect(try await reconciler.run(from: 1, to: cursor, fix: true, operator: try OperatorName("t"), now: 3).agrees)
    }

    @Test func ethSentByAContractIsASurplusAndASweepIsExplained() async throws {
        let rig = try await Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        for account in ["bob", "carol"] {
            try await rig.gw.createAccount(account)
            _ = try await rig.gw.request(.POST, "/v1/accounts/\(account)/deposit-address")
        }
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH))]")
        try await rig.devnet.call("devnet_sendToken", "[\"\(rig.address)\", \"0x17d7840\", \"usdt\"]")
        // 0.3 ETH through a forwarding contract: an internal transaction no block scan sees.
        try await rig.devnet.call("devnet_contractSendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH * 3 / 10))]")
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        #expect(try await rig.deposits().count == 2)

        let reconciler = BalanceReconciler(watcher: rig.watcher, database: rig.gw.gateway.database)
        let report = try await reconciler.run(at: nil, account: nil, idleSample: 10, now: 0)
        #expect(report.discrepancies.map { "\($0.kind) \($0.subject) \($0.account ?? "")" } == ["surplus \(rig.address.lowercased()) alice"])
        #expect(report.discrepancies.first?.detail.hasPrefix("0.3 ETH more") == true, "\(report.discrepancies)")
        #expect(report.checked.first { $0.0 == "idle addresses sampled" }?.1 == 2)

        // A sweep out of a deposit address (a devnet account we can sign for, registered as
        // one): value and fee are explained by the recorded outgoing transfer, so the only
        // unexplained ETH is the account's genesis funding, to the wei.
        let accounts = try await rig.devnet.call("devnet_accounts")
        guard case .array(let list) = accounts, list.count > 2, let spare = list[1]["address"]?.stringValue,
              let funded = list[1]["balance"]?.stringValue else { throw TestSetupError("devnet_accounts") }
        try await rig.gw.createAccount("sweeper")
        try await rig.gw.gateway.database.transaction { db in
            try await db.query(
                "INSERT INTO deposit_addresses (account_id, chain, key_id, address_index, address, created_at) VALUES ('sweeper', 'ethereum', 'external', 0, $1, 0)",
                [.text(spare.lowercased())]
            )
        }
        try await rig.devnet.call("devnet_sendEth", "[\"0x000000000000000000000000000000000000dEaD\", \(Devnet.hex(Self.oneETH * 2)), {\"from\": \"\(spare)\"}]")
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        let sweep = try await reconciler.run(at: nil, account: try AccountID("sweeper"), idleSample: 0, now: 0)
        let genesis = try #require(UInt128(funded.dropFirst(2), radix: 16))
        let ethWhole = genesis / Self.oneETH
        #expect(sweep.discrepancies.count == 1)
        #expect(sweep.discrepancies.first?.detail.hasPrefix("\(ethWhole) ETH more") == true, "\(sweep.discrepancies)")
    }
}
