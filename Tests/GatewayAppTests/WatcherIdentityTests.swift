import Ethereum
import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Synchronization
import Testing

/// A deposit is the same fact wherever a reorg puts its transaction; a node that cannot vouch
/// for a block at confirmation makes the watcher wait, never orphan.
@Suite("Deposit identity and confirmation on the devnet", .serialized, .enabled(if: Devnet.python != nil, "GATEWAY_PYTHON unset: the devnet needs the project venv"))
struct WatcherIdentityTests {
    /// 25 USDT at the stand-in's 1.0001 USD.
    static let usdtCents: Int64 = 2_500

    /// Credits a USDT deposit, then a reorg deeper than the confirmations re-includes its
    /// transaction behind two new transfers, so its block-wide log index changes.
    static func creditThenReplayElsewhere(_ rig: WatcherTests.Rig, legacy: Bool = false) async throws -> String {
        try await rig.devnet.mine(5)
        let tx = try await rig.devnet.call("devnet_sendToken", "[\"\(rig.address)\", \"0x17d7840\", \"usdt\"]").stringValue ?? ""
        try await rig.devnet.mine(2)
        #expect(try await rig.watcher.pollOnce().credited == 1)
        #expect(try await rig.creditedBalance(Self.usdtCents))
        if legacy { try await Self.makeOldFormat(rig) }
        let reorg = try await rig.devnet.call("devnet_reorg", "[3, [\"\(tx)\"], {\"prefixTokenTransfers\": 2}]")
        guard case .array(let reincluded)? = reorg["reincluded"] else { throw TestSetupError("no reincluded list: \(reorg)") }
        #expect(reincluded.first?["transactionIndex"]?.stringValue == "0x2", "\(reorg)")
        try await rig.devnet.mine(1)
        #expect(try await rig.watcher.pollOnce().reorgDepth != nil)
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        return tx
    }

    /// What a store written before deposit identities holds: the block-wide log index in every
    /// key (deposit, outbox, wallet ledger) and no identity.
    static func makeOldFormat(_ rig: WatcherTests.Rig) async throws {
        let deposit = try #require(try await rig.deposits().first)
        let old = "eth:\(deposit.chainID):\(deposit.txHash.lowercased()):\(deposit.logIndex)"
        try await rig.gw.gateway.database.transaction { db in
            try await db.query("UPDATE deposits SET deposit_key = $1, identity = NULL WHERE deposit_key = $2", [.text(old), .text(deposit.key.rawValue)])
            try await db.query("UPDATE outbox SET idempotency_key = $1 WHERE idempotency_key = $2", [.text(old), .text(deposit.key.rawValue)])
            try await db.query("UPDATE ledger_entries SET idempotency_key = $1 WHERE idempotency_key = $2", [.text(old), .text(deposit.key.rawValue)])
        }
    }

    @Test func usdtReincludedAtAnotherPositionIsCreditedOnceWithoutCompensation() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        let tx = try await Self.creditThenReplayElsewhere(rig)
        let deposits = try await rig.deposits().filter { $0.txHash == tx }
        #expect(deposits.count == 1 && deposits.first?.status == .credited && deposits.first?.logIndex == 2, "\(deposits)")
        #expect(try await rig.balance() == Self.usdtCents)
        #expect(try await rig.gw.gateway.outbox.list(status: nil, limit: 10).count == 1)
    }

    @Test func usdtReincludedAtAnotherPositionNetsToOneCreditWithCompensation() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2, extra: ["ETH_COMPENSATE_DEEP_REORG": "true"])
        defer { Task { await rig.stop() } }
        _ = try await Self.creditThenReplayElsewhere(rig)
        #expect(try await rig.creditedBalance(Self.usdtCents), "credit − reversal + re-credit")
        let keys = try await rig.gw.gateway.outbox.list(status: nil, limit: 10).map(\.key.rawValue)
        #expect(keys.count == 3 && keys.filter { $0.hasSuffix(":reversal") }.count == 1 && keys.filter { $0.hasSuffix(":recredit") }.count == 1, "\(keys)")
    }

    @Test func anOldFormatRowIsFoundAgainAndReconciliationFindsNothingToCredit() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        let tx = try await Self.creditThenReplayElsewhere(rig, legacy: true)
        let deposits = try await rig.deposits().filter { $0.txHash == tx }
        #expect(deposits.count == 1, "\(deposits)")
        let deposit = try #require(deposits.first)
        #expect(deposit.status == .credited && !deposit.key.rawValue.contains(":usdt:") && deposit.identity?.hasSuffix(":usdt:0") == true, "\(deposit)")
        #expect(try await rig.balance() == Self.usdtCents)
        let name = try OperatorName("t")
        let head = try await rig.devnet.mine(0)
        let chain = try await ChainReconciler(watcher: rig.watcher, database: rig.gw.gateway.database)
            .run(from: 1, to: head, fix: true, operator: name, now: 1)
        #expect(chain.discrepancies.isEmpty, "\(chain.discrepancies)")
        let wallet = try await WalletReconciler(gateway: rig.gw.gateway.database, wallet: rig.gw.gateway.database)
            .run(fix: true, operator: name, now: 2)
        #expect(wallet.discrepancies.isEmpty, "\(wallet.discrepancies)")
        #expect(try await rig.balance() == Self.usdtCents)
    }

    @Test func aDepositThatLeavesAgainIsReversedAndReCreditedEachTime() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2, extra: ["ETH_COMPENSATE_DEEP_REORG": "true"])
        defer { Task { await rig.stop() } }
        try await rig.devnet.mine(5)
        let tx = try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(WatcherTests.oneETH))]").stringValue ?? ""
        try await rig.devnet.mine(2)
        #expect(try await rig.watcher.pollOnce().credited == 1)
        // Twice: it leaves and comes back at once (re-included in the new branch).
        for _ in 0..<2 {
            // Deep enough to take the deposit's block: head − block + 1.
            let depth = try await rig.devnet.mine(0) - (try #require(try await rig.deposits().first?.blockNumber)) + 1
            try await rig.devnet.call("devnet_reorg", "[\(depth), [\"\(tx)\"], {\"reincludeIn\": 2}]")
            try await rig.devnet.mine(1)
            #expect(try await rig.watcher.pollOnce().reorgDepth != nil)
            try await rig.devnet.mine(2)
            try await rig.watcher.pollOnce()
            #expect(try await rig.deposits().first?.status == .credited)
        }
        #expect(try await rig.creditedBalance(301_245))
        // A third time it leaves for good: reversed a third time.
        let depth = try await rig.devnet.mine(0) - (try #require(try await rig.deposits().first?.blockNumber)) + 1
        try await rig.devnet.call("devnet_reorg", "[\(depth)]")
        try await rig.devnet.mine(1)
        try await rig.watcher.pollOnce()
        #expect(try await rig.deposits().first?.status == .reorgedAfterCredit)
        #expect(try await rig.creditedBalance(0))
        let key = try #require(try await rig.deposits().first?.key.rawValue)
        let keys = Set(try await rig.gw.gateway.outbox.list(status: nil, limit: 20).map(\.key.rawValue))
        #expect(keys == [key, "\(key):reversal", "\(key):recredit", "\(key):reversal:2", "\(key):recredit:2", "\(key):reversal:3"], "\(keys)")
    }

    @Test func aWatcherWhoseLeasePassedToAnotherWritesNothing() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 3)
        defer { Task { await rig.stop() } }
        let database = rig.gw.gateway.database
        let a = rig.watcher.fenced(by: LeaseFence(name: "eth-watcher", holder: "A", leaseMillis: 60_000))
        let b = rig.watcher.fenced(by: LeaseFence(name: "eth-watcher", holder: "B", leaseMillis: 60_000))
        let now = rig.gw.gateway.clock.nowMillis()
        func take(_ holder: String) async throws -> Bool {
            try await database.transaction { db in
                try await LeaseStore.acquireLease(name: "eth-watcher", holder: holder, now: now, expiresAt: now + 60_000, db)
            }
        }
        #expect(try await take("A"))
        #expect(try await !take("B"), "a held lease is not taken")
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(WatcherTests.oneETH))]")
        try await rig.devnet.mine(1)
        try await a.pollOnce()
        #expect(try await rig.deposits().map(\.status) == [.seen], "one confirmation of three")
        // A's lease runs out during a long read, and nobody takes it: A still holds it, and
        // its writes land (refusing them would only repeat the long read).
        try await database.transaction { db in try await db.query("UPDATE leases SET expires_at = 0 WHERE name = 'eth-watcher'") }
        let scanned = try await rig.devnet.mine(1)
        #expect(try await a.pollOnce().cursor == scanned, "written under the lease it still holds")
        // A's step outlasts its lease; B takes over. Every write A still tries fails.
        try await database.transaction { db in try await db.query("UPDATE leases SET expires_at = 0 WHERE name = 'eth-watcher'") }
        #expect(try await take("B"))
        let cursorBefore = try await database.transaction { db in try await ChainCursorStore.cursor(chainID: UInt64(rig.devnet.chainID), db) }
        try await rig.devnet.mine(2)
        await #expect(throws: LeaseLost.self) { try await a.pollOnce() }
        let cursorAfter = try await database.transaction { db in try await ChainCursorStore.cursor(chainID: UInt64(rig.devnet.chainID), db) }
        #expect(cursorAfter?.number == cursorBefore?.number, "A moved nothing")
        #expect(try await rig.deposits().first?.status == .seen, "A credited nothing")
        #expect(try await b.pollOnce().credited == 1)
        // Whenever A has something to write, it finds it does not hold the lease.
        try await rig.devnet.mine(1)
        await #expect(throws: LeaseLost.self) { try await a.pollOnce() }
        #expect(try await rig.creditedBalance(301_245))
        #expect(try await rig.gw.gateway.outbox.list(status: nil, limit: 10).count == 1)
    }

    @Test func reconcileChainFixWhileAWatcherIsActiveIsCarriedOutByThatWatcher() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2, extra: ["ETH_POLL_INTERVAL_MS": "100"])
        defer { Task { await rig.stop() } }
        let database = rig.gw.gateway.database
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(WatcherTests.oneETH))]")
        let head = try await rig.devnet.mine(3)
        let service = rig.gw.gateway.makeWatcherService()
        let running = Task { try await service.run() }
        defer { running.cancel() }
        #expect(try await TestGateway.eventually {
            try await database.transaction { db in try await db.queryOne("SELECT holder FROM leases WHERE name = 'eth-watcher'") } != nil
        })
        let report = try await ChainRescan(watcher: rig.watcher, database: database, clock: rig.gw.gateway.clock, leaseMillis: 10_000)
            .fix(from: 1, to: head, operator: try OperatorName("t"), timeout: .seconds(60))
        #expect(report.agrees, "\(report.discrepancies)")
        let rescans = try await database.transaction { db in
            try await db.query("SELECT status FROM chain_rescans").map { try $0.text("status") }
        }
        #expect(rescans == ["done"], "the active watcher carried it out")
        #expect(try await rig.creditedBalance(301_245))
    }

    @Test func anAddressAssignedWhileTheHeadIsReadIsScannedInThatStep() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        try await rig.gw.createAccount("carol")
        // Carol's address will be the key's next index; money reaches it before it is assigned.
        let carolAddress = DepositAddressTests.abandonAddresses[1]
        try await rig.devnet.call("devnet_sendEth", "[\"\(carolAddress)\", \(Devnet.hex(WatcherTests.oneETH))]")
        try await rig.devnet.mine(3)
        let node = VeilingNode(JSONRPCNode(client: JSONRPCClient(endpoints: [rig.devnet.rpcURL], timeoutMillis: 2_000)))
        let gw = rig.gw
        node.onNextHeadRead {
            let assigned = try await gw.request(.POST, "/v1/accounts/carol/deposit-address").json?["address"]?.stringValue
            guard assigned?.lowercased() == carolAddress.lowercased() else { throw TestSetupError("carol got \(assigned ?? "-")") }
        }
        let watcher = rig.gw.gateway.makeChainWatcher(node: node)
        try await watcher.pollOnce()
        let carol = try await rig.gw.gateway.deposits(status: nil, account: "carol", limit: 10).deposits
        #expect(carol.count == 1, "the block up to that head was scanned with carol's address in the book")
    }

    @Test func eachStepReadsOneEndpointAndAFailedOneHandsTheNextStepToTheNext() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        let lagging = try await rig.devnet.call("devnet_lagView", "[0]")["url"]?.stringValue ?? ""
        let dead = "http://127.0.0.1:\(try GatewayProcess.freePort())/"
        let node = JSONRPCNode(client: JSONRPCClient(endpoints: [dead, lagging, rig.devnet.rpcURL], timeoutMillis: 1_000, maxAttempts: 2, backoffBaseMillis: 10))
        let watcher = rig.gw.gateway.makeChainWatcher(node: node)
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(WatcherTests.oneETH))]")
        try await rig.devnet.mine(3)
        // The dead endpoint fails the whole step (its retries stay on it)...
        await #expect(throws: (any Error).self) { try await watcher.pollOnce() }
        // ...and the next steps read the lagging one alone: 3 blocks behind, nothing is deep
        // enough there yet, and nothing from the up-to-date endpoint is mixed in.
        _ = try await rig.devnet.call("devnet_lagView", "[3]")
        #expect(try await watcher.pollOnce().credited == 0)
        _ = try await rig.devnet.call("devnet_lagView", "[0]")
        try await watcher.pollOnce()
        #expect(try await rig.creditedBalance(301_245))
    }

    @Test func aRangeOfLogsAnsweredEmptyIsCaughtByTheBloomAndAskedAgainByHash() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        try await rig.devnet.mine(2)
        let tx = try await rig.devnet.call("devnet_sendToken", "[\"\(rig.address)\", \"0x17d7840\", \"usdt\"]").stringValue ?? ""
        try await rig.devnet.mine(3)
        // Every range query now answers [], as a backend that has the blocks but has not
        // indexed their logs does; queries by block hash still answer.
        try await rig.devnet.call("devnet_fault", #"[{"mode":"unindexed_logs","count":-1}]"#)
        try await rig.watcher.pollOnce()
        try await rig.devnet.call("devnet_fault", #"[{"mode":"none"}]"#)
        let deposits = try await rig.deposits()
        #expect(deposits.map(\.txHash) == [tx], "found through the block's bloom, not lost behind the cursor")
        #expect(deposits.first?.asset == .usdt && deposits.first?.status == .credited)
    }

    /// A provider that answers each log twice must not shift ordinals: two transfers in one
    /// transaction stay `usdt:0` and `usdt:1`, each credited once.
    @Test func logsAnsweredTwiceCountOnce() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        try await rig.devnet.call("devnet_configure", #"[{"duplicateLogs": true}]"#)
        let tx = try await rig.devnet.call("devnet_sendTokenTwice", "[\"\(rig.address)\", \"0xf4240\", \"0x1e8480\"]").stringValue ?? ""
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        let keys = try await rig.deposits().map(\.key.rawValue).sorted()
        let chainID = rig.devnet.chainID
        #expect(keys == ["eth:\(chainID):\(tx.lowercased()):usdt:0", "eth:\(chainID):\(tx.lowercased()):usdt:1"])
        #expect(try await rig.gw.gateway.outbox.list(status: nil, limit: 10).count == 2)
    }

    @Test func aRescanNobodyCarriesOutIsWithdrawnWhenTheCommandStopsWaiting() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        let database = rig.gw.gateway.database
        let now = rig.gw.gateway.clock.nowMillis()
        // A watcher holds the lease but does not get to the request (it is stuck, or stopping).
        #expect(try await database.transaction { db in
            try await LeaseStore.acquireLease(name: "eth-watcher", holder: "busy", now: now, expiresAt: now + 600_000, db)
        })
        let head = try await rig.devnet.mine(1)
        await #expect(throws: OperatorError.self) {
            try await ChainRescan(watcher: rig.watcher, database: database, clock: rig.gw.gateway.clock, leaseMillis: 10_000)
                .fix(from: 1, to: head, operator: try OperatorName("t"), timeout: .milliseconds(300))
        }
        let statuses = try await database.transaction { db in try await db.query("SELECT status FROM chain_rescans").map { try $0.text("status") } }
        #expect(statuses == ["failed"], "withdrawn, so no fix runs later with nobody watching")
    }

    @Test func aRescanTheWatcherHasBegunIsNotWithdrawnAndItsReportArrives() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        let database = rig.gw.gateway.database
        let now = rig.gw.gateway.clock.nowMillis()
        #expect(try await database.transaction { db in
            try await LeaseStore.acquireLease(name: "eth-watcher", holder: "busy", now: now, expiresAt: now + 600_000, db)
        })
        let head = try await rig.devnet.mine(1)
        let command = Task {
            try await ChainRescan(watcher: rig.watcher, database: database, clock: rig.gw.gateway.clock, leaseMillis: 10_000)
                .fix(from: 1, to: head, operator: try OperatorName("t"), timeout: .seconds(3))
        }
        // The "busy" watcher begins the request at once and finishes it only after the command's
        // first wait (3 s) is over, and well before its second ends (6 s), even on a loaded machine.
        var id: Int64?
        for _ in 0..<100 where id == nil {
            id = try await database.transaction { db in try await RescanStore.nextPending(chainID: UInt64(rig.devnet.chainID), db) }?.id
            if id == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let request = try #require(id)
        #expect(try await database.transaction { db in try await RescanStore.start(id: request, now: now, db) })
        try await Task.sleep(for: .milliseconds(3_500))
        let report = ReconcileReport(scope: "chain").json.canonicalText
        try await database.transaction { db in try await RescanStore.finish(id: request, failed: false, report: report, now: now, db) }
        #expect(try await command.value.agrees, "not withdrawn once begun; its report reaches the command")
        #expect(try await database.transaction { db in try await RescanStore.find(id: request, db) }?.status == "done")
    }

    @Test func aMissingOrForeignHeaderAtConfirmationWaitsAndNeverOrphans() async throws {
        let rig = try await WatcherTests.Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        let node = VeilingNode(JSONRPCNode(client: JSONRPCClient(endpoints: [rig.devnet.rpcURL], timeoutMillis: 2_000)))
        let watcher = rig.gw.gateway.makeChainWatcher(node: node)
        try await rig.devnet.mine(3)
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(WatcherTests.oneETH))]")
        let block = try await rig.devnet.mine(1)
        try await watcher.pollOnce()
        try await rig.devnet.mine(2)
        // A lagging endpoint: no header at the deposit's height; then a foreign one.
        for mode in [VeilingNode.Mode.missing, .foreign] {
            node.veil(block, mode)
            #expect(try await watcher.pollOnce().credited == 0)
            #expect(try await rig.deposits().first?.status == .seen, "\(mode)")
        }
        node.veil(nil, .missing)
        #expect(try await watcher.pollOnce().credited == 1)
        #expect(try await rig.creditedBalance(301_245))
    }
}

/// A node that answers no header, or another block's, at one height: a lagging or
/// load-balanced endpoint as the confirmer sees it.
final class VeilingNode: EthereumNode {
    enum Mode: Sendable { case missing, foreign }
    let inner: JSONRPCNode
    private let veiled = Mutex<(UInt64?, Mode)>((nil, .missing))

    init(_ inner: JSONRPCNode) { self.inner = inner }

    func veil(_ number: UInt64?, _ mode: Mode) { veiled.withLock { $0 = (number, mode) } }

    func headers(_ numbers: [UInt64]) async throws -> [BlockHeader?] {
        let (number, mode) = veiled.withLock { $0 }
        return try await inner.headers(numbers).enumerated().map { index, header in
            guard numbers[index] == number, let header else { return header }
            return mode == .missing ? nil : BlockHeader(number: header.number, hash: "0x" + String(repeating: "ab", count: 32), parentHash: header.parentHash)
        }
    }

    /// Runs once, after the node answered the head and before the answer reaches the watcher.
    private let duringHeadRead = Mutex<(@Sendable () async throws -> Void)?>(nil)
    func onNextHeadRead(_ hook: @escaping @Sendable () async throws -> Void) { duringHeadRead.withLock { $0 = hook } }

    func chainID() async throws -> UInt64 { try await inner.chainID() }
    func blockNumber() async throws -> UInt64 {
        let head = try await inner.blockNumber()
        if let hook = duringHeadRead.withLock({ hook in defer { hook = nil }; return hook }) { try await hook() }
        return head
    }
    func blocks(_ numbers: [UInt64]) async throws -> [Block?] { try await inner.blocks(numbers) }
    func blockReceipts(_ numbers: [UInt64], only wanted: Set<String>?) async throws -> [[ChainReceipt]?] {
        try await inner.blockReceipts(numbers, only: wanted)
    }
    func receipts(_ transactionHashes: [String]) async throws -> [ChainReceipt?] { try await inner.receipts(transactionHashes) }
    func logs(address: EthereumAddress, topic0: String, from: UInt64, to: UInt64) async throws -> [ChainLog] {
        try await inner.logs(address: address, topic0: topic0, from: from, to: to)
    }
    func logs(address: EthereumAddress, topic0: String, blockHashes: [String]) async throws -> [[ChainLog]] {
        try await inner.logs(address: address, topic0: topic0, blockHashes: blockHashes)
    }
    func balance(_ address: EthereumAddress, at block: UInt64) async throws -> Word256 { try await inner.balance(address, at: block) }
    func call(to contract: EthereumAddress, data: [UInt8], at block: UInt64) async throws -> [UInt8] {
        try await inner.call(to: contract, data: data, at: block)
    }
    func callAtLatest(to contract: EthereumAddress, data: [UInt8]) async throws -> [UInt8] {
        try await inner.callAtLatest(to: contract, data: data)
    }
}
