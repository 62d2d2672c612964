import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// Crypto into a EUR account: converted at cex.io's `ETH/EUR` and `USDT/EUR` tickers (never a
/// peg), with the pair, price, field and time recorded, on both backends, read back over HTTP.
@Suite("Deposits to a EUR account", .serialized, .enabled(if: Devnet.python != nil, "GATEWAY_PYTHON unset: the devnet needs the project venv"))
struct EuroDepositTests {
    @Test(arguments: TestBackend.available)
    func ethAndUSDTConvertAtTheEuroTickers(backend: TestBackend) async throws {
        // The USD peg is on, and must not touch the euro: USDT/EUR comes from the market.
        let rig = try await WatcherTests.Rig.start(
            backend: backend, confirmations: 3, extra: ["WALLET_CURRENCIES": "USD,EUR", "USDT_USD_POLICY": "peg"]
        )
        defer { Task { await rig.stop() } }
        try await rig.gw.createAccount("eve", currency: "EUR")
        let address = try #require(try await rig.gw.request(.POST, "/v1/accounts/eve/deposit-address").json?["address"]?.stringValue)
        try await rig.gw.gateway.makeRateService().refreshOnce()
        try await rig.devnet.call("devnet_sendEth", "[\"\(address)\", \(Devnet.hex(WatcherTests.oneETH / 2))]")
        try await rig.devnet.call("devnet_sendToken", "[\"\(address)\", \"0x17d7840\", \"usdt\"]")  // 25 USDT
        try await rig.devnet.mine(3)
        try await rig.watcher.pollOnce()
        // 0.5 ETH × 2781.30 = 1390.65 EUR; 25 USDT × 0.9234 = 23.085 → 23.08 EUR.
        let credited = try await TestGateway.eventually(timeout: .seconds(20)) {
            try await rig.gw.gateway.wallet.account(try AccountID("eve"))?.balance == Money(139_065 + 2_308, .eur)
        }
        #expect(credited)
        let listed = try await rig.gw.request(.GET, "/v1/accounts/eve/deposits")
        let deposits = try #require(listed.json?["data"]?.arrayValue)
        #expect(deposits.count == 2)
        for deposit in deposits {
            let asset = deposit["asset"]?.stringValue ?? ""
            #expect(deposit["status"]?.stringValue == "credited")
            #expect(deposit["credit"]?["currency"]?.stringValue == "EUR", "\(asset)")
            #expect(deposit["usd_cents"] == nil, "a EUR credit has no USD alias")
            #expect(deposit["rate"]?["pair"]?.stringValue == "\(asset)/EUR")
            #expect(deposit["rate"]?["source"]?.stringValue == "cex.io ticker" && deposit["rate"]?["field"]?.stringValue == "last")
            #expect(deposit["rate"]?["fetched_at"]?.stringValue?.isEmpty == false)
        }
        #expect(deposits.first { $0["asset"]?.stringValue == "USDT" }?["credit"]?["amount_minor"]?.intValue == 2_308)
        #expect(deposits.first { $0["asset"]?.stringValue == "USDT" }?["rate"]?["price"]?.stringValue == "0.9234")
        let entries = try await rig.gw.gateway.wallet.history(try AccountID("eve"), limit: 10, startingAfter: nil)
        #expect(entries.allSatisfy { $0.amount.currency == .eur } && entries.count == 2)
        // alice (USD) is untouched, and her pairs were fetched too: USDT/USD at the peg.
        let book = try await rig.gw.gateway.ratesRepository.load()
        #expect(book.usable(.usdtUSD, now: rig.gw.gateway.clock.nowMillis())?.source.hasPrefix("peg") == true)
        #expect(book.usable(.usdtEUR, now: rig.gw.gateway.clock.nowMillis())?.source == "cex.io ticker")
    }

    @Test func aMissingEuroPairStopsStartupAndSaysWhichCurrencyNeedsIt() async throws {
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        cex.offer(pairs: ["ETH/USD", "USDT/USD", "ETH/EUR"])
        let gw = try await TestGateway.start(backend: .sqlite, environment: [
            "WALLET_CURRENCIES": "USD,EUR", "ETH_XPUB": DepositAddressTests.abandonXpub, "CEXIO_BASE_URL": cex.baseURL,
        ], parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        let error = await #expect(throws: ConfigError.self) { try await gw.gateway.checkRatePairs() }
        #expect(error?.key == "WALLET_CURRENCIES")
        #expect(error?.problem.contains("USDT/EUR (needed by EUR accounts)") == true)
    }
}
