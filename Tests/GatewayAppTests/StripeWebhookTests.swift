import Foundation
import GatewayCore
import GatewayTestSupport
import Store
import Testing

@Suite("Stripe webhook over HTTP")
struct StripeWebhookTests {
    static let environment = ["STRIPE_WEBHOOK_SECRET": "whsec_rotated_old,\(StripeFixtures.secret)", "STRIPE_MAX_BODY_BYTES": "65536"]

    struct Scenario: Decodable, Sendable, CustomTestStringConvertible {
        struct Expect: Decodable, Sendable {
            let balances: [String: Int64]
            let payments: [String: String]?
        }
        var name = ""
        let accounts: [String]
        let deliveries: [String]
        let expect: Expect
        var testDescription: String { name }
        enum CodingKeys: String, CodingKey { case accounts, deliveries, expect }
    }

    static let scenarios: [Scenario] = {
        let directory = StripeFixtures.root.appendingPathComponent("scenarios")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".json") }.sorted() ?? []
        return files.compactMap { file in
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(file)),
                  var scenario = try? JSONDecoder().decode(Scenario.self, from: data) else { return nil }
            scenario.name = String(file.dropLast(5))
            return scenario
        }
    }()

    static var cases: [(TestBackend, Scenario)] {
        TestBackend.available.flatMap { backend in scenarios.map { (backend, $0) } }
    }

    /// Waits until the outbox has nothing left to deliver.
    static func drained(_ gw: TestGateway) async throws -> Bool {
        try await TestGateway.eventually {
            let stats = try await gw.gateway.outbox.stats(now: gw.gateway.clock.nowMillis())
            return (stats.counts[.pending] ?? 0) + (stats.counts[.retrying] ?? 0) == 0
        }
    }

    @Test("every scenario posted over HTTP reaches the wallet", arguments: cases)
    func scenario(backend: TestBackend, scenario: Scenario) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: Self.environment)
        defer { Task { await gw.stop() } }
        for account in scenario.accounts { try await gw.createAccount(account) }
        for delivery in scenario.deliveries {
            let response = try await StripeFixtures.post(try StripeFixtures.fixture(delivery), to: gw)
            #expect(response.status == 200, "\(delivery): \(response.text)")
        }
        #expect(try await Self.drained(gw))
        for (account, cents) in scenario.expect.balances {
            #expect(try await gw.balance(account) == cents, "\(account)")
        }
        if let payments = scenario.expect.payments {
            for (paymentIntent, status) in payments {
                let row = try await gw.gateway.database.transaction { db in try await StripeStore.payment(paymentIntent, db) }
                #expect(row?.status == status, "\(paymentIntent)")
            }
        }
        #expect(try await gw.gateway.outbox.list(status: .parked, limit: 10).isEmpty)
        #expect(try await gw.gateway.wallet.balanceMismatches().isEmpty)
        // Counted once per delivery, also when transaction bodies run twice
        // (STORE_RUN_BODIES_TWICE): no metric hides inside a transaction.
        let metrics = try await gw.request(.GET, "/metrics").text
        let counted = metrics.split(separator: "\n").filter { $0.hasPrefix("gateway_stripe_webhooks_total{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        #expect(Int(counted) == scenario.deliveries.count, "\(metrics.prefix(1500))")
    }

    @Test("one event delivered 50 times at once credits once", arguments: TestBackend.available)
    func concurrentDuplicates(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: Self.environment)
        defer { Task { await gw.stop() } }
        try await gw.createAccount("acct_alice")
        let body = try StripeFixtures.fixture("happy.checkout.session.completed.json")
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    let response = try await StripeFixtures.post(body, to: gw)
                    return "\(response.status) \(response.json?["outcome"]?.stringValue ?? "")"
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "200 applied" }.count == 1)
        #expect(outcomes.filter { $0 == "200 duplicate" }.count == 49)
        #expect(try await Self.drained(gw))
        #expect(try await gw.balance("acct_alice") == 2000)
        let detail = try await gw.gateway.paymentDetail("pi_3RHappy169fyA1FXJOvV7mAS")
        guard case .array(let effects)? = detail?["ledger_effects"] else { Issue.record("no detail"); return }
        #expect(effects.count == 1)
        #expect(effects.first?["idempotency_key"]?.stringValue == "stripe:pi_3RHappy169fyA1FXJOvV7mAS")
    }

    @Test("checkout and PaymentIntent events for one payment, interleaved at once, credit once", arguments: TestBackend.available)
    func interleavedAnnouncements(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: Self.environment)
        defer { Task { await gw.stop() } }
        try await gw.createAccount("acct_many")
        let payments = 25
        try await withThrowingTaskGroup(of: UInt.self) { group in
            for index in 0..<payments {
                let pi = "pi_interleave_\(index)"
                let bodies = [
                    StripeFixtures.checkoutCompleted(eventID: "evt_cs_\(index)", session: "cs_\(index)", paymentIntent: pi, account: "acct_many", amount: 100 + Int64(index)),
                    StripeFixtures.paymentIntentSucceeded(eventID: "evt_pi_\(index)", paymentIntent: pi, account: "acct_many", amount: 100 + Int64(index)),
                ]
                for body in index % 2 == 0 ? bodies : bodies.reversed() {
                    group.addTask { try await StripeFixtures.post(body, to: gw).status }
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(try await Self.drained(gw))
        let expected = (0..<payments).reduce(Int64(0)) { $0 + 100 + Int64($1) }
        #expect(try await gw.balance("acct_many") == expected)
        let entries = try await gw.gateway.wallet.history(try AccountID("acct_many"), limit: 100, startingAfter: nil)
        #expect(entries.count == payments)
    }

    @Test("bad input gets a clear 4xx and changes nothing", arguments: TestBackend.available)
    func rejections(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: Self.environment.merging(["STRIPE_MAX_BODY_BYTES": "2048"]) { $1 })
        defer { Task { await gw.stop() } }
        try await gw.createAccount("acct_alice")
        let body = try StripeFixtures.fixture("happy.checkout.session.completed.json")
        let now = Int64(Date().timeIntervalSince1970)
        let small = StripeFixtures.paymentIntentSucceeded(eventID: "evt_small", paymentIntent: "pi_small", account: "acct_alice", amount: 100)
        // Exact tolerance edges are in webhooks/signature-vectors.json; over HTTP, stay clear of
        // them so a slow machine cannot move a request across the edge.
        let cases: [(String, [String: String], String)] = [
            (small, [:], "signature_missing_header"),
            (small, ["Stripe-Signature": "garbage"], "signature_malformed_header"),
            (small, ["Stripe-Signature": "t=\(now),v0=abc"], "signature_no_v1"),
            (small, ["Stripe-Signature": StripeFixtures.signatureHeader(small, secret: "whsec_forged")], "signature_no_match"),
            (small, ["Stripe-Signature": StripeFixtures.signatureHeader(small, at: now - 400)], "signature_timestamp_out_of_tolerance"),
            (small, ["Stripe-Signature": StripeFixtures.signatureHeader(small, at: now + 400)], "signature_timestamp_out_of_tolerance"),
            ("{not json", ["Stripe-Signature": StripeFixtures.signatureHeader("{not json")], "invalid_payload"),
            (#"{"object":"event"}"#, ["Stripe-Signature": StripeFixtures.signatureHeader(#"{"object":"event"}"#)], "invalid_payload"),
        ]
        for (payload, headers, code) in cases {
            let response = try await TestHTTP.request(.POST, gw.publicURL + "/webhooks/stripe", body: payload, headers: headers)
            #expect(response.status == 400, "\(code): \(response.text)")
            #expect(response.json?["error"]?["code"]?.stringValue == code)
            #expect(!response.text.contains("whsec_"))
        }
        // The real fixture is over this gateway's 2 KiB limit.
        let big = try await StripeFixtures.post(body, to: gw)
        #expect(big.status == 413)
        let events = try await gw.gateway.database.transaction { db in try await db.queryOne("SELECT COUNT(*) AS n FROM stripe_events")?.int("n") }
        #expect(events == 0)
        #expect(try await gw.balance("acct_alice") == 0)
        // The right signature under the rotated-out secret still verifies (rotation overlap).
        let rotated = try await StripeFixtures.post(small, to: gw, header: StripeFixtures.signatureHeader(small, secret: "whsec_rotated_old"))
        #expect(rotated.status == 200)
        let metrics = try await gw.request(.GET, "/metrics")
        #expect(metrics.text.contains(#"gateway_stripe_webhooks_total{outcome="rejected_no_match"} 1"#))
    }

    @Test("kill -9 after the 200 and before the wallet credit: the credit arrives once after restart", arguments: TestBackend.available)
    func killBetweenAcknowledgeAndCredit(backend: TestBackend) async throws {
        let location = try await backend.freshLocation()
        let url = TestBackend.databaseURL(location)
        let database = try await backend.open(location)
        defer { Task { await database.close() } }
        _ = try await WalletStore(database: database).createAccount(try AccountID("acct_alice"), now: 0)
        let publicPort = try GatewayProcess.freePort()
        var env = [
            "DATABASE_URL": url, "STRIPE_WEBHOOK_SECRET": StripeFixtures.secret, "GATEWAY_INTERNAL_TOKENS": TestGateway.token,
            "GATEWAY_PUBLIC_LISTEN": "127.0.0.1:\(publicPort)", "GATEWAY_INTERNAL_LISTEN": "127.0.0.1:0",
            // The wallet is unreachable in the first life: the credit can only wait in the outbox.
            "WALLET_API_URL": "http://127.0.0.1:\(try GatewayProcess.freePort())", "OUTBOX_BACKOFF_BASE_MS": "50",
            // Backoff doubles per failed attempt; capped, a slow first life cannot push the
            // row's next attempt past the second life's wait.
            "OUTBOX_BACKOFF_MAX_MS": "2000",
            // A row claimed at the moment of the kill waits out its lease (a few request
            // timeouts) before the next life may deliver it; keep that short here.
            "OUTBOX_REQUEST_TIMEOUT_MS": "1000",
        ]
        let first = try GatewayProcess(arguments: ["run"], environment: env)
        #expect(try await TestGateway.eventually {
            (try? await TestHTTP.request(.GET, "http://127.0.0.1:\(publicPort)/healthz"))?.status == 200
        })
        let body = try StripeFixtures.fixture("happy.checkout.session.completed.json")
        let response = try await TestHTTP.request(.POST, "http://127.0.0.1:\(publicPort)/webhooks/stripe", body: body,
                                                  headers: ["Stripe-Signature": StripeFixtures.signatureHeader(body)])
        #expect(response.status == 200)
        first.killHard()
        #expect(try await WalletStore(database: database).account(try AccountID("acct_alice"))?.balance.minor == 0)

        env.removeValue(forKey: "WALLET_API_URL")
        let second = try GatewayProcess(arguments: ["run"], environment: env)
        let credited = try await TestGateway.eventually(timeout: .seconds(60)) {
            try await WalletStore(database: database).account(try AccountID("acct_alice"))?.balance.minor == 2000
        }
        // Stripe re-delivers after a crash it never saw answered; that must change nothing.
        _ = try? await TestHTTP.request(.POST, "http://127.0.0.1:\(publicPort)/webhooks/stripe", body: body,
                                        headers: ["Stripe-Signature": StripeFixtures.signatureHeader(body)])
        try await Task.sleep(for: .milliseconds(300))
        second.signal(SIGTERM)
        _ = try await second.wait()
        #expect(credited, "\(second.output)")
        #expect(try await WalletStore(database: database).account(try AccountID("acct_alice"))?.balance.minor == 2000)
    }
}
