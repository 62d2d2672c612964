import Ethereum
import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// End to end: devnet (py-evm) → watcher → rates (local cex.io) → outbox → wallet.
@Suite("Chain watcher on the py-evm devnet", .serialized, .enabled(if: Devnet.python != nil, "GATEWAY_PYTHON unset: the devnet needs the project venv"))
struct WatcherTests {
    static let oneETH: UInt128 = 1_000_000_000_000_000_000

    /// Everything one test needs, torn down by `stop`.
    struct Rig {
        let devnet: Devnet
        let cex: FakeCex
        let gw: TestGateway
        let watcher: ChainWatcher
        let address: String

        static func start(backend: TestBackend = .sqlite, confirmations: Int = 12, extra: [String: String] = [:]) async throws -> Rig {
            let devnet = try await Devnet.start()
            let cex = try await FakeCex.start()
            let gw = try await TestGateway.start(backend: backend, environment: [
                "ETH_XPUB": DepositAddressTests.abandonXpub, "ETH_RPC_URL": devnet.rpcURL, "ETH_CHAIN_ID": "\(devnet.chainID)",
                "ETH_CONFIRMATIONS": "\(confirmations)", "ETH_USDT_CONTRACT": devnet.usdt, "ETH_START_BLOCK": "1",
                "CEXIO_BASE_URL": cex.baseURL, "ETH_RPC_TIMEOUT_MS": "1000",
            ].merging(extra) { $1 }, parts: [.internalHTTP, .outboxWorker])
            try await gw.createAccount("alice")
            let address = try await gw.request(.POST, "/v1/accounts/alice/deposit-address").json?["address"]?.stringValue ?? ""
            try await gw.gateway.makeRateService().refreshOnce()
            let watcher = gw.gateway.makeChainWatcher()
            try await watcher.checkChain()
            return Rig(devnet: devnet, cex: cex, gw: gw, watcher: watcher, address: address)
        }

        /// The same rig on the Tron stand-in: Tron's key and endpoint only, alice's Tron address
        /// (as the node writes it: 20-byte hex), and the Tron watcher.
        static func startTron(backend: TestBackend = .sqlite, confirmations: Int = 20, extra: [String: String] = [:]) async throws -> Rig {
            let devnet = try await Devnet.start(extraArguments: ["--tron"])
            let cex = try await FakeCex.start()
            let gw = try await TestGateway.start(backend: backend, environment: [
                "TRON_XPUB": DepositAddressTests.abandonTronXpub, "TRON_RPC_URL": devnet.rpcURL, "TRON_CONFIRMATIONS": "\(confirmations)",
                "TRON_USDT_CONTRACT": devnet.usdtTronHex, "TRON_START_BLOCK": "1", "CEXIO_BASE_URL": cex.baseURL, "ETH_RPC_TIMEOUT_MS": "1000",
            ].merging(extra) { $1 }, parts: [.internalHTTP, .outboxWorker])
            try await gw.createAccount("alice")
            let shown = try await gw.request(.POST, "/v1/accounts/alice/deposit-address?chain=tron").json?["address"]?.stringValue ?? ""
            try await gw.gateway.makeRateService().refreshOnce()
            let watcher = gw.gateway.makeChainWatcher(chain: .tron)
            try await watcher.checkChain()
            return Rig(devnet: devnet, cex: cex, gw: gw, watcher: watcher, address: try TronAddress(parsing: shown).evm.lowercaseHex)
        }

        func stop() async {
            await gw.stop()
            await cex.stop()
            devnet.stop()
        }

        func deposits() async throws -> [DepositRecord] {
            try await gw.gateway.deposits(status: nil, account: "alice", limit: 100).deposits
        }

        func balance() async throws -> Int64 { try await gw.balance("alice") ?? -1 }

        func creditedBalance(_ cents: Int64) async throws -> Bool {
            try await TestGateway.eventually { try await balance() == cents }
        }
    }

    @Test func aTokenContractThatIsNotUSDTStopsTheWatcherAtStart() async throws {
        let devnet = try await Devnet.start()
        defer { devnet.stop() }
        let gw = try await TestGateway.start(backend: .sqlite, environment: [
            "ETH_XPUB": DepositAddressTests.abandonXpub, "ETH_RPC_URL": devnet.rpcURL, "ETH_CHAIN_ID": "\(devnet.chainID)",
            "ETH_USDT_CONTRACT": "0x000000000000000000000000000000000000dEaD",
        ], parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        let error = await #expect(throws: ConfigError.self) { try await gw.gateway.makeChainWatcher().checkChain() }
        #expect(error?.key == "ETH_USDT_CONTRACT" && error?.problem.contains("not a USDT contract with 6 decimals") == true, "\(String(describing: error))")
    }

    @Test func ethDepositCreditsAtExactlyNConfirmationsWithTheExactAmount() async throws {
        let rig = try await Rig.start()
        defer { Task { await rig.stop() } }
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH / 2))]")
        let block = try await rig.devnet.mine()
        try await rig.watcher.pollOnce()
        #expect(try await rig.deposits().first?.status == .seen)
        try await rig.devnet.mine(10)  // 11 confirmations: head − block + 1
        let report = try await rig.watcher.pollOnce()
        #expect(report.head == block + 10)
        #expect(try await rig.deposits().first?.status == .seen, "N − 1 confirmations must not credit")
        try await rig.devnet.mine(1)
        let confirmed = ContinuousClock.now
        #expect(try await rig.watcher.pollOnce().credited == 1)
        // 0.5 ETH × 3012.45 = 1506.225 USD → 150622 cents, rounded down.
        #expect(try await rig.creditedBalance(150_622))
        // A figure, not an assertion: from the confirming block's arrival (one watcher step) to
        // the wallet entry. In production add up to ETH_POLL_INTERVAL_MS of waiting for the step.
        print("figure: confirming block → wallet credit: \(ContinuousClock.now - confirmed)")
        let deposit = try #require(try await rig.deposits().first)
        #expect(deposit.status == .credited)
        #expect(deposit.exactValue == "1506.22500000000000000000")
        #expect(deposit.ratePrice == "3012.45" && deposit.rateSource == "cex.io ticker" && deposit.ratePair == "ETH/USD")
        #expect(deposit.key.rawValue.hasSuffix(":-1"))
        let api = try await rig.gw.request(.GET, "/v1/accounts/alice/deposits")
        #expect(api.json?["data"]?.objectValue == nil)
        if case .array(let rows)? = api.json?["data"] {
            #expect(rows.first?["status"]?.stringValue == "credited")
            #expect(rows.first?["usd_cents"]?.intValue == 150_622)
            #expect(rows.first?["confirmations_required"]?.intValue == 12)
        }
        // Polling again changes nothing.
        #expect(try await rig.watcher.pollOnce().credited == 0)
        let entries = try await rig.gw.gateway.wallet.history(try AccountID("alice"), limit: 10, startingAfter: nil)
        #expect(entries.count == 1)
        #expect(entries.first?.kind == .cryptoTopup)
        #expect(entries.first?.detailsJSON.contains("\"price\":\"3012.45\"") == true)
    }

    @Test func usdtTransfersAreSeparateDepositsAndLookAlikesAndFailuresAreNever() async throws {
        let rig = try await Rig.start(confirmations: 3)
        defer { Task { await rig.stop() } }
        try await rig.devnet.call("devnet_sendToken", "[\"\(rig.address)\", \"0x17d7840\", \"usdt\"]")  // 25 USDT
        try await rig.devnet.call("devnet_sendTokenTwice", "[\"\(rig.address)\", \"0xf4240\", \"0x2625a0\"]")  // 1 + 2.5 USDT
        try await rig.devnet.call("devnet_sendToken", "[\"\(rig.address)\", \"0x5f5e100\", \"lookalike\"]")  // 100 fake
        try await rig.devnet.call("devnet_failingEthTransfer", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH))]")
        try await rig.devnet.call("devnet_failingTokenTransfer", "[\"\(rig.address)\", \"0xf4240\"]")
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        let deposits = try await rig.deposits()
        #expect(deposits.filter { $0.asset == .usdt }.count == 3)
        #expect(deposits.filter { $0.status == .failed }.count == 1, "\(deposits)")
        #expect(Set(deposits.filter { $0.asset == .usdt }.map(\.txHash)).count == 2, "two transfers in one tx: two deposits")
        // 25 + 1 + 2.5 = 28.5 USDT at 1.0001 = 28.50285 → 2850 cents (three credits: 2500, 100, 250).
        #expect(try await rig.creditedBalance(2500 + 100 + 250))
        #expect(try await rig.deposits().filter { $0.status == .credited }.count == 3)
    }

    @Test func aReorgBeforeNDropsTheDepositAndAReinclusionCreditsOnce() async throws {
        let rig = try await Rig.start(confirmations: 5)
        defer { Task { await rig.stop() } }
        // A: seen at 3 confirmations, then reorged out for good.
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH))]")
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        #expect(try await rig.deposits().first?.status == .seen)
        try await rig.devnet.call("devnet_reorg", "[3]")
        #expect(try await rig.watcher.pollOnce().reorgDepth != nil)
        #expect(try await rig.deposits().first?.status == .orphaned)
        try await rig.devnet.mine(10)
        try await rig.watcher.pollOnce()
        #expect(try await rig.balance() == 0, "an orphaned deposit is never credited")

        // B: its block is reorged away but the same transaction lands in another block: the
        // same deposit again, credited once.
        let tx = try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH / 2))]").stringValue ?? ""
        try await rig.devnet.mine(2)
        try await rig.watcher.pollOnce()
        let before = try #require(try await rig.deposits().first { $0.txHash == tx })
        #expect(before.status == .seen)
        let reorg = try await rig.devnet.call("devnet_reorg", "[2, [\"\(tx)\"]]")
        #expect(reorg["reincludedTxs"] == .array([.string(tx)]))
        try await rig.watcher.pollOnce()
        let again = try #require(try await rig.deposits().first { $0.txHash == tx })
        #expect(again.status == .seen)
        #expect(again.blockHash != before.blockHash)
        try await rig.devnet.mine(5)
        try await rig.watcher.pollOnce()
        #expect(try await rig.creditedBalance(150_622))
        try await rig.devnet.mine(5)
        try await rig.watcher.pollOnce()
        #expect(try await rig.deposits().filter { $0.txHash == tx }.count == 1)
        let entries = try await rig.gw.gateway.wallet.history(try AccountID("alice"), limit: 10, startingAfter: nil)
        #expect(entries.count == 1)
    }

    @Test func nodeFaultsEndInTheRightCreditsOnceTheNodeRecovers() async throws {
        let rig = try await Rig.start(confirmations: 3)
        defer { Task { await rig.stop() } }
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH))]")
        try await rig.devnet.mine(3)
        try await rig.devnet.call("devnet_fault", #"[{"mode":"error","count":-1,"methods":["eth_getBlockByNumber"]}]"#)
        await #expect(throws: (any Error).self) { try await rig.watcher.pollOnce() }
        try await rig.devnet.call("devnet_fault", #"[{"mode":"none"}]"#)
        try await rig.devnet.call("devnet_fault", #"[{"mode":"timeout","seconds":3,"count":1,"methods":["eth_blockNumber"]}]"#)
        try await rig.watcher.pollOnce()  // the timeout is retried within the client
        try await rig.devnet.call("devnet_fault", #"[{"mode":"stale_head","count":-1}]"#)
        try await rig.devnet.mine(5)
        try await rig.watcher.pollOnce()
        try await rig.devnet.call("devnet_fault", #"[{"mode":"none"}]"#)
        try await rig.devnet.call("devnet_configure", #"[{"maxLogRange":2,"logLimitStyle":"infura"}]"#)
        try await rig.watcher.pollOnce()
        #expect(try await rig.creditedBalance(301_245))
        #expect(try await rig.deposits().count == 1)
    }

    @Test func aDepositWorthLessThanOneCentIsParkedWithItsReason() async throws {
        let rig = try await Rig.start(confirmations: 2)
        defer { Task { await rig.stop() } }
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \"0x1\"]")  // 1 wei
        try await rig.devnet.mine(2)
        #expect(try await rig.watcher.pollOnce().credited == 0)
        let deposit = try #require(try await rig.deposits().first)
        #expect(deposit.status == .parked)
        #expect(deposit.reason?.contains("worth less than one cent") == true)
        #expect(try await rig.gw.gateway.outbox.list(status: nil, limit: 10).isEmpty)
    }

    @Test func cexDownAtConfirmationWaitsInAwaitingRateThenCredits() async throws {
        let rig = try await Rig.start(confirmations: 2, extra: ["RATES_MAX_AGE_SECONDS": "10"])
        defer { Task { await rig.stop() } }
        // Make the rate we have too old, and cex.io unreachable.
        let clockless = rig.gw.gateway.ratesRepository
        var book = try await clockless.load()
        _ = book  // the stored book is fresh; age it by waiting past the limit
        rig.cex.answer("ETH/USD", .status(503))
        try await rig.devnet.call("devnet_sendEth", "[\"\(rig.address)\", \(Devnet.hex(Self.oneETH))]")
        try await rig.devnet.mine(2)
        try await Task.sleep(for: .seconds(11))
        try await rig.gw.gateway.makeRateService().refreshOnce()
        try await rig.watcher.pollOnce()
        let waiting = try #require(try await rig.deposits().first)
        #expect(waiting.status == .awaitingRate)
        #expect(waiting.reason?.contains("503") == true, "\(waiting.reason ?? "")")
        #expect(try await rig.balance() == 0)
        rig.cex.answer("ETH/USD", .ticker(last: "3100.00"))
        try await rig.gw.gateway.makeRateService().refreshOnce()
        book = try await clockless.load()
        try await rig.watcher.pollOnce()
        #expect(try await rig.creditedBalance(310_000), "converted once, at the first fresh rate")
        try await rig.watcher.pollOnce()
        #expect(try await rig.balance() == 310_000)
    }
}
