import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Rates
import Store
import Testing

@Suite("cex.io client and rate service, against a local cex.io")
struct RatesServiceTests {
    static let xpub = DepositAddressTests.abandonXpub

    @Test func documentedShapesParseExactly() async throws {
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        let client = CexTickerClient(baseURL: cex.baseURL, timeoutMillis: 2000)
        #expect(try await client.price(.ethUSD, field: "last") == DecimalPrice("3012.45"))
        // bid and ask arrive as JSON numbers: still exact.
        #expect(try await client.price(.ethUSD, field: "bid") == DecimalPrice("17400.04"))
        #expect(try await client.price(.ethUSD, field: "ask") == DecimalPrice("17418.2"))
        #expect(try await client.availablePairs() == [.ethUSD, .usdtUSD, .ethEUR, .usdtEUR])
    }

    @Test func failuresAreTypedNeverCrashes() async throws {
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        // Generous against a loaded machine; the slow answer below is slower still.
        let client = CexTickerClient(baseURL: cex.baseURL, timeoutMillis: 2500)
        let cases: [(FakeCex.Answer, RateError)] = [
            (.errorBody("Invalid Symbols Pair"), .exchange("Invalid Symbols Pair")),
            (.errorBody("rate limit exceeded"), .rateLimited),
            (.status(429), .rateLimited),
            (.status(503), .http(status: 503)),
            (.malformed, .malformed("not a JSON object")),
            (.slow(seconds: 6, then: "3000"), .timeout),
            (.ticker(last: "0"), .missingField("last")),
            (.ticker(last: "-5"), .missingField("last")),
        ]
        for (answer, expected) in cases {
            cex.answer("ETH/USD", answer)
            await #expect(throws: expected) { try await client.price(.ethUSD, field: "last") }
        }
        let down = CexTickerClient(baseURL: "http://127.0.0.1:\(try GatewayProcess.freePort())", timeoutMillis: 500)
        let error = await #expect(throws: RateError.self) { try await down.price(.ethUSD, field: "last") }
        #expect(error?.kind == "transport")
    }

    @Test(arguments: TestBackend.available)
    func serviceKeepsTheSharedBookAndRecordsErrors(backend: TestBackend) async throws {
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        let gw = try await TestGateway.start(backend: backend, environment: ["ETH_XPUB": Self.xpub, "CEXIO_BASE_URL": cex.baseURL], parts: [])
        defer { Task { await gw.stop() } }
        let service = gw.gateway.makeRateService()
        try await service.refreshOnce()
        var book = try await gw.gateway.ratesRepository.load()
        let now = gw.gateway.clock.nowMillis()
        #expect(book.usable(.ethUSD, now: now)?.price == DecimalPrice("3012.45"))
        #expect(book.usable(.usdtUSD, now: now)?.price == DecimalPrice("1.0001"))
        #expect(book.usable(.ethUSD, now: now)?.source == "cex.io ticker")

        cex.answer("ETH/USD", .status(500))
        try await service.refreshOnce()
        book = try await gw.gateway.ratesRepository.load()
        #expect(book.usable(.ethUSD, now: now)?.price == DecimalPrice("3012.45"), "the last good rate stays")
        #expect(book.pairs[.ethUSD]?.lastError?.contains("500") == true)

        cex.answer("ETH/USD", .ticker(last: "9999"))
        try await service.refreshOnce()
        book = try await gw.gateway.ratesRepository.load()
        #expect(book.pairs[.ethUSD]?.held?.price == DecimalPrice("9999"), "a 3× jump waits for confirmation")
        #expect(book.usable(.ethUSD, now: gw.gateway.clock.nowMillis())?.price == DecimalPrice("3012.45"))
        try await service.refreshOnce()
        book = try await gw.gateway.ratesRepository.load()
        #expect(book.usable(.ethUSD, now: gw.gateway.clock.nowMillis())?.price == DecimalPrice("9999"), "confirmed by the next fetch")
    }

    @Test func pegPolicyConvertsUSDTAtOneAndSaysSo() async throws {
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        cex.offer(pairs: ["ETH/USD"])
        let gw = try await TestGateway.start(backend: .sqlite, environment: [
            "ETH_XPUB": Self.xpub, "CEXIO_BASE_URL": cex.baseURL, "USDT_USD_POLICY": "peg",
        ], parts: [])
        defer { Task { await gw.stop() } }
        try await gw.gateway.checkRatePairs()
        try await gw.gateway.makeRateService().refreshOnce()
        let rate = try await gw.gateway.ratesRepository.load().usable(.usdtUSD, now: gw.gateway.clock.nowMillis())
        #expect(rate?.price == .one)
        #expect(rate?.source.contains("peg") == true)
    }

    @Test func startupRefusesWhenUSDTIsNotOfferedUnderTheMarketPolicy() async throws {
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        cex.offer(pairs: ["ETH/USD", "BTC/USD"])
        let (status, output) = try await GatewayProcess.runToEnd(["run"], environment: [
            "ETH_XPUB": Self.xpub, "CEXIO_BASE_URL": cex.baseURL, "GATEWAY_INTERNAL_LISTEN": "127.0.0.1:0",
            "GATEWAY_PUBLIC_LISTEN": "127.0.0.1:0", "GATEWAY_INTERNAL_TOKENS": TestGateway.token,
        ])
        #expect(status == 2)
        #expect(output.contains("USDT/USD") && output.contains("USDT_USD_POLICY=peg"), "\(output)")
    }

    @Test func ratesShowPrintsEachPair() async throws {
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        let location = try await TestBackend.sqlite.freshLocation()
        let env = ["DATABASE_URL": TestBackend.databaseURL(location), "ETH_XPUB": Self.xpub, "CEXIO_BASE_URL": cex.baseURL]
        let (status, output) = try await GatewayProcess.runToEnd(["rates", "show", "--refresh"], environment: env)
        #expect(status == 0, "\(output)")
        #expect(output.contains("ETH/USD") && output.contains("3012.45") && output.contains("yes"))
        let (jsonStatus, json) = try await GatewayProcess.runToEnd(["rates", "show", "--json"], environment: env)
        #expect(jsonStatus == 0)
        let parsed = try JSONValue.parse(Array(json.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8))
        guard case .array(let rows) = parsed else { Issue.record("not an array: \(json)"); return }
        #expect(rows.first?["price"]?.stringValue == "3012.45")
        #expect(rows.first?["field"]?.stringValue == "last")
        #expect(rows.first?["usable"]?.boolValue == true)
    }
}
