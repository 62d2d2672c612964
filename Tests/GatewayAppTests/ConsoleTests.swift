import Foundation
@testable import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// The operator console: sign-in, sessions, CSRF and escaping over HTTP, and every page in a
/// real headless Chromium on a store seeded with real traffic (signed webhooks, devnet deposits,
/// an audited adjustment, a credit the wallet refused).
@Suite("Operator console", .serialized)
struct ConsoleTests {
    static let operatorToken = "console-token-0123456789abcdef"
    static let operators = "carol:\(operatorToken),dave:another-console-token-0123"
    static let python = ProcessInfo.processInfo.environment["GATEWAY_PYTHON"]
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func post(_ gw: TestGateway, _ path: String, form: String, cookie: String? = nil) async throws -> TestResponse {
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        if let cookie { headers["Cookie"] = cookie }
        return try await gw.request(.POST, path, body: form, headers: headers, token: nil)
    }

    /// Signs in over plain HTTP: the login cookie and form, then the session cookie.
    static func signIn(_ gw: TestGateway, token: String = operatorToken) async throws -> (TestResponse, String?) {
        let page = try await gw.request(.GET, "/console", token: nil)
        let login = try #require(page.cookies["gw_console_login"])
        let csrf = try #require(page.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1)
        let answer = try await post(gw, "/console/sign-in", form: "token=\(token)&csrf=\(csrf)", cookie: "gw_console_login=\(login)")
        return (answer, answer.cookies["gw_console"])
    }

    @Test(arguments: TestBackend.available)
    func sessionsCSRFAndTheAPIStaySeparate(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: ["GATEWAY_OPERATOR_TOKENS": Self.operators], parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        let entry = try await gw.request(.GET, "/console", token: nil)
        #expect(entry.status == 200 && entry.text.contains("type=\"password\""))
        #expect(entry.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(try await gw.request(.GET, "/console/overview", token: nil).status == 303, "no session: back to sign-in")

        // Without the login cookie's twin, the form is refused (CSRF), and no session is made.
        let forged = try await Self.post(gw, "/console/sign-in", form: "token=\(Self.operatorToken)&csrf=abc")
        #expect(forged.status == 403 && forged.cookies["gw_console"] == nil)
        let (wrong, noSession) = try await Self.signIn(gw, token: "not-an-operator-token")
        #expect(wrong.status == 401 && noSession == nil)
        // An internal API token is not an operator's.
        let (api, none) = try await Self.signIn(gw, token: TestGateway.token)
        #expect(api.status == 401 && none == nil)

        let (ok, session) = try await Self.signIn(gw)
        let cookie = try #require(session)
        #expect(ok.status == 303 && ok.header("Location") == "/console/overview")
        let setCookie = ok.headers(named: "Set-Cookie").first { $0.hasPrefix("gw_console=") } ?? ""
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/console"))
        let overview = try await gw.request(.GET, "/console/overview", headers: ["Cookie": "gw_console=\(cookie)"], token: nil)
        #expect(overview.status == 200 && overview.text.contains("carol") && overview.text.contains("Hash chain: intact"))
        // The cookie is no key to the API.
        #expect(try await gw.request(.GET, "/v1/accounts/x", headers: ["Cookie": "gw_console=\(cookie)"], token: nil).status == 401)
        // Sign-out needs the session's CSRF token, then ends the session everywhere.
        #expect(try await Self.post(gw, "/console/sign-out", form: "csrf=nope", cookie: "gw_console=\(cookie)").status == 403)
        let csrf = try #require(overview.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1)
        let out = try await Self.post(gw, "/console/sign-out", form: "csrf=\(csrf)", cookie: "gw_console=\(cookie)")
        #expect(out.status == 303 && out.headers(named: "Set-Cookie").contains { $0.hasPrefix("gw_console=;") && $0.contains("Max-Age=0") })
        #expect(try await gw.request(.GET, "/console/overview", headers: ["Cookie": "gw_console=\(cookie)"], token: nil).status == 303)
        let stored = try await gw.gateway.database.transaction { db in
            try await db.queryOne("SELECT COUNT(*) AS n FROM console_sessions")?.int("n")
        }
        #expect(stored == 0)
    }

    /// A session ends when its operator is removed or given a new token, on every instance.
    @Test func aChangedTokenEndsTheSession() async throws {
        let location = try await TestBackend.sqlite.freshLocation()
        let first = try await TestGateway.start(backend: .sqlite, location: location, environment: ["GATEWAY_OPERATOR_TOKENS": Self.operators], parts: [.internalHTTP])
        let (_, session) = try await Self.signIn(first)
        let cookie = try #require(session)
        await first.stop()
        let same = try await TestGateway.start(backend: .sqlite, location: location, environment: ["GATEWAY_OPERATOR_TOKENS": Self.operators], parts: [.internalHTTP])
        #expect(try await same.request(.GET, "/console/overview", headers: ["Cookie": "gw_console=\(cookie)"], token: nil).status == 200)
        await same.stop()
        let rotated = try await TestGateway.start(
            backend: .sqlite, location: location, environment: ["GATEWAY_OPERATOR_TOKENS": "carol:a-new-token-for-carol-0123"], parts: [.internalHTTP]
        )
        defer { Task { await rotated.stop() } }
        #expect(try await rotated.request(.GET, "/console/overview", headers: ["Cookie": "gw_console=\(cookie)"], token: nil).status == 303)
        #expect(throws: ConfigError.self) {
            try GatewayConfig(try ConfigSource.load(environment: ["GATEWAY_OPERATOR_TOKENS": "carol:shared-token-0123456789,dave:shared-token-0123456789"]))
        }
    }

    @Test func theConsoleIsOffWithoutOperatorTokens() async throws {
        let gw = try await TestGateway.start(backend: .sqlite, parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        let off = try await gw.request(.GET, "/console", token: nil)
        #expect(off.status == 503 && off.text.contains("GATEWAY_OPERATOR_TOKENS"))
        #expect(throws: ConfigError.self) {
            try GatewayConfig(try ConfigSource.load(environment: [
                "GATEWAY_INTERNAL_TOKENS": "same-token-0123456789", "GATEWAY_OPERATOR_TOKENS": "carol:same-token-0123456789",
            ]))
        }
    }

    @Test func markupInDataIsShownAsText() {
        var table = TextTable("ACCOUNT")
        table.add("<script>alert(1)</script>")
        let html = ConsoleHTML.table(table, id: "t", empty: "")
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"))
        #expect(ConsoleHTML.escape("\"'&") == "&quot;&#39;&amp;")
    }

    /// Every page in Chromium on real traffic; screenshots go to test-output/console.
    @Test(.enabled(if: ChildProcess.heavyTestsEnabled, "GATEWAY_HEAVY_TESTS=1 runs it (scripts/test.sh does, in a pass of its own)"),
          .enabled(if: python != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
                   "needs GATEWAY_PYTHON (selenium) and Debian's chromium-driver"))
    func everyPageInARealBrowser() async throws {
        let devnet = try await Devnet.start()
        defer { devnet.stop() }
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        let gw = try await TestGateway.start(backend: .sqlite, environment: [
            "GATEWAY_OPERATOR_TOKENS": Self.operators, "WALLET_CURRENCIES": "USD,EUR", "STRIPE_WEBHOOK_SECRET": StripeFixtures.secret,
            "ETH_XPUB": DepositAddressTests.abandonXpub, "ETH_RPC_URL": devnet.rpcURL, "ETH_CHAIN_ID": "\(devnet.chainID)",
            "ETH_USDT_CONTRACT": devnet.usdt, "ETH_START_BLOCK": "1", "CEXIO_BASE_URL": cex.baseURL,
        ], parts: [.internalHTTP, .publicHTTP, .outboxWorker])
        defer { Task { await gw.stop() } }
        try await gw.createAccount("alice")
        try await gw.createAccount("eve", currency: "EUR")
        for event in [
            StripeFixtures.checkoutCompleted(eventID: "evt_c1", session: "cs_test_c1", paymentIntent: "pi_c1", account: "alice", amount: 2_000),
            StripeFixtures.checkoutCompleted(eventID: "evt_c2", session: "cs_test_c2", paymentIntent: "pi_c2", account: "<script>alert(1)</script>", amount: 2_500),
            CurrencyTests.session("evt_c3", pi: "pi_c3", account: "eve", amount: 1_200, currency: "usd"),
        ] {
            #expect(try await StripeFixtures.post(event, to: gw).status == 200)
        }
        // Crypto: one ETH deposit credited, one USDT deposit at 3 of 12 confirmations.
        let address = try #require(try await gw.request(.POST, "/v1/accounts/alice/deposit-address").json?["address"]?.stringValue)
        try await gw.gateway.makeRateService().refreshOnce()
        let watcher = gw.gateway.makeChainWatcher()
        try await watcher.checkChain()
        try await devnet.call("devnet_sendEth", "[\"\(address)\", \(Devnet.hex(WatcherTests.oneETH / 2))]")
        try await devnet.mine(12)
        try await devnet.call("devnet_sendToken", "[\"\(address)\", \"0x17d7840\", \"usdt\"]")
        try await devnet.mine(3)
        try await watcher.pollOnce()
        // An audited adjustment, and a debit the wallet refuses (parked for an operator).
        _ = try await Adjustment(account: "alice", amountCents: 150, reason: "goodwill, ticket 7", operatorName: try OperatorName("carol"),
                                 allowNegative: false, key: "t7").record(in: gw.gateway.database, now: gw.gateway.clock.nowMillis())
        _ = try await Adjustment(account: "eve", amountCents: -999_999, reason: "test of a refused debit", operatorName: try OperatorName("carol"),
                                 allowNegative: false, key: "t8").record(in: gw.gateway.database, now: gw.gateway.clock.nowMillis())
        #expect(try await TestGateway.eventually(timeout: .seconds(20)) {
            try await gw.gateway.outbox.list(status: .parked, limit: 10).count == 1
        })

        let expect: [String: [String]] = [
            "overview": ["USD", "EUR", "ethereum", "ETH/USD", "USDT/EUR", "Hash chain: intact (2 entries)", "carol"],
            "deposits": ["3/12", "credited", "seen", "ETH", "USDT", "1506.22 USD"],
            "payments": ["<script>alert(1)</script>", "unknown_account", "currency_mismatch", "+25.00 net", "+12.00 net"],
            "credits": ["insufficient_funds", "adj:t8", "-9999.99 EUR"],
            "audit": ["adjustment", "goodwill, ticket 7", "carol"],
        ]
        let expectFile = FileManager.default.temporaryDirectory.appendingPathComponent("console-expect-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: expect).write(to: expectFile)
        let out = Self.root.appendingPathComponent("test-output/console")
        let (status, output) = try await ChildProcess.run(try #require(Self.python), [
            Self.root.appendingPathComponent("Tests/browser/console_test.py").path, "--base", gw.internalURL, "--token", Self.operatorToken,
            "--api-token", TestGateway.token, "--out", out.path, "--expect", expectFile.path,
        ])
        print(output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(status == 0, "\(output)")
    }
}
