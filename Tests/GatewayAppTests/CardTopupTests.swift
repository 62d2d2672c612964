import Foundation
@testable import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// `POST /v1/accounts/{id}/card-topups` against the Stripe API stand-in, on both backends: one
/// Checkout Session with exactly the fields the webhook resolves, replays that never call
/// Stripe twice, bounds, and Stripe's errors answered as documented.
@Suite("Card top-ups")
struct CardTopupTests {
    static func start(_ backend: TestBackend, stripe: FakeStripeAPI, extra: [String: String] = [:]) async throws -> TestGateway {
        try await TestGateway.start(backend: backend, environment: [
            "WALLET_CURRENCIES": "USD,EUR", "STRIPE_API_BASE": stripe.baseURL, "STRIPE_API_KEY": FakeStripeAPI.key,
            "STRIPE_WEBHOOK_SECRET": StripeFixtures.secret, "CARD_TOPUP_LIMITS": "USD:500-100000,EUR:500-50000",
        ].merging(extra) { _, new in new })
    }

    static let body = #"{"amount_minor":2500,"success_url":"https://platform.example/billing?ok=1","cancel_url":"https://platform.example/billing"}"#

    @Test(arguments: TestBackend.available)
    func aTopUpCreatesOneSessionAndAReplayCallsStripeNoMore(backend: TestBackend) async throws {
        let stripe = try await FakeStripeAPI.start()
        let gw = try await Self.start(backend, stripe: stripe)
        defer { Task { await gw.stop(); await stripe.stop() } }
        try await gw.createAccount("eve", currency: "EUR")
        let created = try await gw.request(.POST, "/v1/accounts/eve/card-topups", body: Self.body, headers: ["Idempotency-Key": "order-1"])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(id.hasPrefix("cs_test_"))
        #expect(created.json?["url"]?.stringValue?.hasPrefix("https://checkout.stripe.com/") == true)
        #expect(created.json?["amount_minor"]?.intValue == 2500 && created.json?["currency"]?.stringValue == "EUR")
        #expect(created.json?["expires_at"]?.stringValue?.hasSuffix("Z") == true)
        #expect(stripe.lastForm == [
            "mode": "payment",
            "line_items[0][price_data][currency]": "eur",
            "line_items[0][price_data][unit_amount]": "2500",
            "line_items[0][price_data][product_data][name]": "Wallet top-up",
            "line_items[0][quantity]": "1",
            "success_url": "https://platform.example/billing?ok=1",
            "cancel_url": "https://platform.example/billing",
            "client_reference_id": "eve",
            "metadata[account_id]": "eve",
            "payment_intent_data[metadata][account_id]": "eve",
        ])
        let stripeKey = try #require(stripe.lastIdempotencyKey)
        #expect(stripeKey.hasPrefix("gateway-topup-") && !stripeKey.contains("order-1"), "derived from the account and the caller's key")

        let replay = try await gw.request(.POST, "/v1/accounts/eve/card-topups", body: Self.body, headers: ["Idempotency-Key": "order-1"])
        #expect(replay.status == 200 && replay.json == created.json)
        #expect(stripe.sessionPosts == 1 && stripe.sessionsCreated == 1, "a replay makes no second Stripe call")
        let other = try await gw.request(
            .POST, "/v1/accounts/eve/card-topups", body: #"{"amount_minor":2600,"success_url":"https://a.example/","cancel_url":"https://a.example/"}"#,
            headers: ["Idempotency-Key": "order-1"]
        )
        #expect(other.status == 409 && other.json?["error"]?["code"]?.stringValue == "idempotency_conflict")
        // The key is the account's own: another account may use it.
        try await gw.createAccount("ann")
        let ann = try await gw.request(.POST, "/v1/accounts/ann/card-topups", body: Self.body, headers: ["Idempotency-Key": "order-1"])
        #expect(ann.status == 201 && ann.json?["id"] != created.json?["id"] && ann.json?["currency"]?.stringValue == "USD")
        #expect(stripe.sessionsCreated == 2)

        // The customer pays: the session's events link the top-up to its payment and credit.
        let completed = StripeFixtures.event(id: "evt_topup_1", type: "checkout.session.completed", object: """
            {"id":"\(id)","object":"checkout.session","mode":"payment","payment_status":"paid","status":"complete",\
            "amount_total":2500,"currency":"eur","client_reference_id":"eve","metadata":{"account_id":"eve"},"payment_intent":"pi_topup1"}
            """)
        #expect(try await StripeFixtures.post(completed, to: gw).status == 200)
        #expect(try await TestGateway.eventually(timeout: .seconds(20)) {
            try await gw.gateway.wallet.account(try AccountID("eve"))?.balance == Money(2_500, .eur)
        })
        let detail = try #require(try await gw.gateway.paymentDetail("pi_topup1"))
        #expect(detail["card_topup"]?["id"]?.stringValue == id && detail["card_topup"]?["status"]?.stringValue == "complete")
        #expect(try await CardTopupStore(database: gw.gateway.database).completedWithoutCredit(limit: 10).isEmpty)

        // ann's session was paid at Stripe, and its completion never reached us: reconciliation
        // asks Stripe about sessions still open by our records and reports it.
        let annSession = try #require(ann.json?["id"]?.stringValue)
        stripe.complete(session: annSession, paymentIntent: "pi_lost1")
        let now = Int64(Date().timeIntervalSince1970)
        stripe.addPaymentIntent(id: "pi_topup1", status: "succeeded", amountReceived: 2_500, account: "eve", created: now, currency: "eur")
        let report = try await StripeReconciler(
            api: StripeAPIClient(baseURL: stripe.baseURL, key: Secret(FakeStripeAPI.key)), database: gw.gateway.database,
            ingest: gw.gateway.stripeIngest, livemode: false
        ).run(since: now - 3_600, until: now + 3_600, fix: false, operator: try OperatorName("op"), now: gw.gateway.clock.nowMillis())
        #expect(report.discrepancies.map { "\($0.kind) \($0.subject)" } == ["topup_completed_without_credit \(annSession)"])
    }

    @Test(arguments: TestBackend.available)
    func boundsAndStripesErrorsAreAnsweredClearly(backend: TestBackend) async throws {
        let stripe = try await FakeStripeAPI.start()
        let gw = try await Self.start(backend, stripe: stripe)
        defer { Task { await gw.stop(); await stripe.stop() } }
        try await gw.createAccount("ann")
        func topup(_ amount: Int64, key: String, account: String = "ann") async throws -> TestResponse {
            try await gw.request(
                .POST, "/v1/accounts/\(account)/card-topups",
                body: #"{"amount_minor":\#(amount),"success_url":"https://p.example/ok","cancel_url":"https://p.example/no"}"#,
                headers: ["Idempotency-Key": key]
            )
        }
        for (amount, key) in [(Int64(499), "low"), (100_001, "high"), (0, "zero")] {
            let answer = try await topup(amount, key: key)
            #expect(answer.status == 422, "\(amount)")
        }
        #expect(try await topup(499, key: "low").json?["error"]?["code"]?.stringValue == "amount_out_of_range")
        #expect(try await topup(1000, key: "k", account: "nobody").status == 404)
        let noKey = try await gw.request(.POST, "/v1/accounts/ann/card-topups", body: Self.body)
        #expect(noKey.status == 400 && noKey.json?["error"]?["code"]?.stringValue == "missing_idempotency_key")
        let badURL = try await gw.request(
            .POST, "/v1/accounts/ann/card-topups", body: #"{"amount_minor":1000,"success_url":"javascript:alert(1)","cancel_url":"https://p.example/"}"#,
            headers: ["Idempotency-Key": "url"]
        )
        #expect(badURL.status == 422 && badURL.json?["error"]?["code"]?.stringValue == "invalid_url")
        #expect(stripe.sessionPosts == 0, "nothing invalid reaches Stripe")

        let cases: [(Int, String, Int, String)] = [
            (402, "card_error", 422, "stripe_refused"), (400, "invalid_request_error", 422, "stripe_refused"),
            (401, "invalid_request_error", 503, "stripe_key_refused"), (403, "invalid_request_error", 503, "stripe_key_refused"),
            (429, "rate_limit_error", 503, "stripe_unavailable"), (500, "api_error", 503, "stripe_unavailable"),
        ]
        for (index, (stripeStatus, type, status, code)) in cases.enumerated() {
            stripe.failNextPost(status: stripeStatus, type: type, message: "Stripe says \(stripeStatus)")
            let answer = try await topup(1000, key: "err-\(index)")
            #expect(answer.status == status && answer.json?["error"]?["code"]?.stringValue == code, "\(stripeStatus): \(answer.text)")
            if stripeStatus == 402 || stripeStatus == 400 {
                #expect(answer.json?["error"]?["message"]?.stringValue?.contains("Stripe says \(stripeStatus)") == true)
            }
            if code == "stripe_key_refused" {
                #expect(answer.json?["error"]?["message"]?.stringValue?.contains("Checkout Sessions") == true)
            }
        }
        // Nothing was recorded for a failure: the same key works once Stripe does.
        let retried = try await topup(1000, key: "err-5")
        #expect(retried.status == 201)
        let unconfigured = try await TestGateway.start(backend: backend, parts: [.internalHTTP])
        defer { Task { await unconfigured.stop() } }
        try await unconfigured.createAccount("ann")
        let off = try await unconfigured.request(.POST, "/v1/accounts/ann/card-topups", body: Self.body, headers: ["Idempotency-Key": "x"])
        #expect(off.status == 503 && off.json?["error"]?["code"]?.stringValue == "stripe_not_configured")
        // A test-mode key while STRIPE_LIVEMODE=true: the session is never handed out.
        let live = try await Self.start(backend, stripe: stripe, extra: ["STRIPE_LIVEMODE": "true"])
        defer { Task { await live.stop() } }
        try await live.createAccount("ann")
        let mode = try await live.request(.POST, "/v1/accounts/ann/card-topups", body: Self.body, headers: ["Idempotency-Key": "live"])
        #expect(mode.status == 503 && mode.json?["error"]?["code"]?.stringValue == "stripe_key_refused")
        #expect(mode.json?["error"]?["message"]?.stringValue?.contains("STRIPE_LIVEMODE") == true)
        // The same key with another body, before the first was recorded: Stripe's idempotency_error is a 409.
        stripe.failNextPost(status: 400, type: "idempotency_error", message: "Keys for idempotent requests can only be used with the same parameters")
        let reused = try await topup(1000, key: "reused")
        #expect(reused.status == 409 && reused.json?["error"]?["code"]?.stringValue == "idempotency_conflict")
    }

    @Test func limitsBelowStripesMinimumAreRefusedAtStartup() {
        #expect(throws: ConfigError.self) { try GatewayConfig(try ConfigSource.load(environment: ["CARD_TOPUP_LIMITS": "USD:49-1000"])) }
        #expect(throws: ConfigError.self) { try GatewayConfig(try ConfigSource.load(environment: ["CARD_TOPUP_LIMITS": "USD:500"])) }
        #expect(throws: ConfigError.self) { try GatewayConfig(try ConfigSource.load(environment: ["WALLET_CURRENCIES": "USD,EURO"])) }
        #expect(throws: ConfigError.self) { try GatewayConfig(try ConfigSource.load(environment: ["WALLET_CURRENCIES": "USD,ISK"])) }
        let config = try? GatewayConfig(try ConfigSource.load(environment: ["WALLET_CURRENCIES": "USD"]))
        #expect(config?.currencies.topupLimits == [.usd: 500...1_000_000], "the default EUR limit waits until EUR is on")
    }

    static let python = ProcessInfo.processInfo.environment["GATEWAY_PYTHON"]

    /// The official `stripe` library as a client of the stand-in: it must read the Session the
    /// stand-in answers, and the stand-in must read the form the library encodes, into the same
    /// parameters the gateway sends.
    @Test(.enabled(if: python != nil, "GATEWAY_PYTHON unset: the stripe library oracle needs the project venv"))
    func theStripeLibraryAndTheStandInAgree() async throws {
        let stripe = try await FakeStripeAPI.start()
        defer { Task { await stripe.stop() } }
        let (status, output) = try await ChildProcess.run(try #require(Self.python), [
            StripeFixtures.root.appendingPathComponent("tools/oracle.py").path, "checkout", "--api-base", stripe.baseURL,
            "--key", FakeStripeAPI.key, "--idempotency-key", "oracle-1", "--account", "eve", "--amount", "2500", "--currency", "eur",
            "--success-url", "https://platform.example/billing?ok=1", "--cancel-url", "https://platform.example/billing",
        ])
        #expect(status == 0, "\(output)")
        let session = try JSONValue.parse(Array(output.utf8))
        #expect(session["type"]?.stringValue == "Session" && session["object"]?.stringValue == "checkout.session")
        #expect(session["amount_total"]?.intValue == 2500 && session["currency"]?.stringValue == "eur")
        #expect(session["url"]?.stringValue?.hasPrefix("https://checkout.stripe.com/") == true)
        #expect(session["metadata"]?["account_id"]?.stringValue == "eve" && session["client_reference_id"]?.stringValue == "eve")
        #expect(stripe.lastIdempotencyKey == "oracle-1")
        let libraryForm = stripe.lastForm
        // The gateway's own request for the same top-up decodes to the same parameters.
        let topups = CardTopups(
            database: try await TestBackend.sqlite.openMigrated(), api: nil, settings: CurrencySettings(), productName: "Wallet top-up",
            livemode: false, clock: .system
        )
        let request = try CardTopups.Request(
            account: try AccountID("eve"), callerKey: try IdempotencyKey("k"), amountMinor: 2500,
            successURL: "https://platform.example/billing?ok=1", cancelURL: "https://platform.example/billing"
        )
        let ours = FormEncoding.decode(StripeAPIClient.formBody(topups.form(request, currency: .eur)))
        #expect(ours == libraryForm)
    }

    /// `gateway topups create` prints the Checkout URL; the same --key prints the same session
    /// without a second Stripe call; errors exit non-zero with what went wrong.
    @Test func theCLICreatesATopUpAndPrintsItsURL() async throws {
        let stripe = try await FakeStripeAPI.start()
        defer { Task { await stripe.stop() } }
        let location = try await TestBackend.sqlite.freshLocation()
        let env = [
            "DATABASE_URL": TestBackend.databaseURL(location), "STRIPE_API_BASE": stripe.baseURL, "STRIPE_API_KEY": FakeStripeAPI.key,
            "CARD_TOPUP_RETURN_URL": "https://platform.example/billing",
        ]
        #expect(try await GatewayProcess.runToEnd(["accounts", "create", "ann"], environment: env).0 == 0)
        let (status, output) = try await GatewayProcess.runToEnd(["topups", "create", "--account", "ann", "--amount-minor", "2500", "--key", "t1"], environment: env)
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").first?.hasPrefix("https://checkout.stripe.com/c/pay/cs_test_") == true, "\(output)")
        #expect(stripe.lastForm["success_url"] == "https://platform.example/billing?topup=success")
        let (again, second) = try await GatewayProcess.runToEnd(["topups", "create", "--account", "ann", "--amount-minor", "2500", "--key", "t1"], environment: env)
        #expect(again == 0 && second.split(separator: "\n").first == output.split(separator: "\n").first && stripe.sessionPosts == 1)
        let (low, message) = try await GatewayProcess.runToEnd(["topups", "create", "--account", "ann", "--amount-minor", "10"], environment: env)
        #expect(low == 1 && message.contains("amount_minor must be from 500"), "\(message)")
        stripe.failNextPost(status: 500)
        let (down, _) = try await GatewayProcess.runToEnd(["topups", "create", "--account", "ann", "--amount-minor", "900"], environment: env)
        #expect(down == 3)
    }
}
