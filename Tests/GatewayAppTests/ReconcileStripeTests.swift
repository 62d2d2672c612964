import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// `reconcile stripe` against a local server serving Stripe-shaped, paginated lists, with
/// three seeded discrepancies: a payment we missed, one credited with a different amount, and a
/// refund never applied.
@Suite("Reconcile Stripe")
struct ReconcileStripeTests {
    static func refundCreated(eventID: String, refund: String, paymentIntent: String, amount: Int64, created: Int64) -> String {
        """
        {"id":"\(eventID)","object":"event","api_version":"2025-04-30.basil","created":\(created),"livemode":false,\
        "pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"refund.created","data":{"object":\
        {"id":"\(refund)","object":"refund","amount":\(amount),"charge":"ch_x","created":\(created),"currency":"usd",\
        "metadata":{},"payment_intent":"\(paymentIntent)","status":"succeeded"}}}
        """
    }

    static func balances(_ gw: TestGateway) async throws -> [Int64?] {
        [try await gw.balance("alice"), try await gw.balance("bob"), try await gw.balance("carol")]
    }

    @Test(arguments: TestBackend.available)
    func findsExactlyTheSeededDiscrepanciesAndFixesThemOnce(backend: TestBackend) async throws {
        let stripe = try await FakeStripeAPI.start()
        let gw = try await TestGateway.start(backend: backend, environment: [
            "STRIPE_WEBHOOK_SECRET": StripeFixtures.secret, "STRIPE_API_BASE": stripe.baseURL, "STRIPE_API_KEY": FakeStripeAPI.key,
        ], parts: [.publicHTTP, .internalHTTP, .outboxWorker])
        defer { Task { await gw.stop(); await stripe.stop() } }
        for account in ["alice", "bob", "carol"] { try await gw.createAccount(account) }

        // Delivered to the webhook and listed by Stripe alike: these agree.
        let agreeing = [
            StripeFixtures.paymentIntentSucceeded(eventID: "evt_ok", paymentIntent: "pi_ok", account: "alice", amount: 1_000),
            StripeFixtures.paymentIntentSucceeded(eventID: "evt_refunded", paymentIntent: "pi_refunded", account: "alice", amount: 3_000),
        ]
        for event in agreeing {
            #expect(try await StripeFixtures.post(event, to: gw).status == 200)
            try stripe.addEvent(event)
        }
        // 1. Stripe has a payment we never heard of.
        try stripe.addEvent(StripeFixtures.paymentIntentSucceeded(eventID: "evt_missed", paymentIntent: "pi_missed", account: "bob", amount: 2_500))
        // 2. We credited 1,000 where Stripe received 1,500.
        let ours = StripeFixtures.paymentIntentSucceeded(eventID: "evt_amount", paymentIntent: "pi_amount", account: "carol", amount: 1_000)
        #expect(try await StripeFixtures.post(ours, to: gw).status == 200)
        try stripe.addEvent(StripeFixtures.paymentIntentSucceeded(eventID: "evt_amount", paymentIntent: "pi_amount", account: "carol", amount: 1_500))
        // 3. A refund of a known payment that never reached us.
        let now = Int64(Date().timeIntervalSince1970)
        try stripe.addEvent(Self.refundCreated(eventID: "evt_refund", refund: "re_1", paymentIntent: "pi_refunded", amount: 800, created: now))
        // Noise Stripe also lists: an unhandled type is filtered out by types[].
        try stripe.addEvent(StripeFixtures.event(id: "evt_noise", type: "customer.created", object: #"{"id":"cus_1","object":"customer"}"#))

        #expect(try await TestGateway.eventually { try await Self.balances(gw) == [4_000, 0, 1_000] })
        let reconciler = StripeReconciler(
            api: StripeAPIClient(baseURL: stripe.baseURL, key: Secret(FakeStripeAPI.key)), database: gw.gateway.database,
            ingest: gw.gateway.stripeIngest, livemode: false
        )
        let name = try OperatorName("test-operator")
        let since = now - 3_600, until = now + 3_600

        let report = try await reconciler.run(since: since, until: until, fix: false, operator: name, now: gw.gateway.clock.nowMillis())
        let found = report.discrepancies.map { "\($0.kind) \($0.subject)" }.sorted()
        #expect(found == ["amount_mismatch stripe:pi_amount", "missing_credit stripe:pi_missed", "unapplied_refund stripe:re_1"])
        #expect(stripe.pagesServed >= 3, "six events at two per page must page through starting_after")
        #expect(try await gw.gateway.outbox.list(status: nil, limit: 100).count == 3, "without --fix nothing changes")

        let fixed = try await reconciler.run(since: since, until: until, fix: true, operator: name, now: gw.gateway.clock.nowMillis())
        #expect(fixed.discrepancies.count == 3 && fixed.discrepancies.allSatisfy(\.fixed))
        #expect(try await TestGateway.eventually { try await Self.balances(gw) == [3_200, 2_500, 1_500] })

        let audited = try await AuditLog.list(gw.gateway.database, limit: 100)
        // Every fed event is audited in its own transaction; the correction has its own entry.
        #expect(Set(audited.map(\.action)) == ["reconcile.stripe.fix"])
        #expect(Set(audited.map(\.subject)).isSuperset(of: ["evt_missed", "evt_refund", "pi_amount"]))
        let rows = try await gw.gateway.outbox.list(status: nil, limit: 100).count
        let audit = audited.count
        let again = try await reconciler.run(since: since, until: until, fix: true, operator: name, now: gw.gateway.clock.nowMillis())
        #expect(again.agrees, "a second --fix finds nothing: \(again.discrepancies)")
        #expect(try await gw.gateway.outbox.list(status: nil, limit: 100).count == rows)
        #expect(try await AuditLog.list(gw.gateway.database, limit: 100).count == audit)
        #expect(try await AuditLog.verify(gw.gateway.database).firstBreak == nil)
        // And nothing moved in the wallet.
        #expect(try await Self.balances(gw) == [3_200, 2_500, 1_500])
    }

    @Test func creditsThatStripeDoesNotShowSucceededAreReported() async throws {
        let stripe = try await FakeStripeAPI.start()
        let gw = try await TestGateway.start(backend: .sqlite, environment: [
            "STRIPE_WEBHOOK_SECRET": StripeFixtures.secret,
        ], parts: [.publicHTTP, .internalHTTP, .outboxWorker])
        defer { Task { await gw.stop(); await stripe.stop() } }
        try await gw.createAccount("alice")
        let now = Int64(Date().timeIntervalSince1970)
        // We credited it, but Stripe's event list no longer shows it and the intent is not succeeded.
        let event = StripeFixtures.paymentIntentSucceeded(eventID: "evt_ghost", paymentIntent: "pi_ghost", account: "alice", amount: 700)
        #expect(try await StripeFixtures.post(event, to: gw).status == 200)
        stripe.addPaymentIntent(id: "pi_ghost", status: "requires_payment_method", amountReceived: 0, account: "alice", created: now)
        let reconciler = StripeReconciler(
            api: StripeAPIClient(baseURL: stripe.baseURL, key: Secret(FakeStripeAPI.key)), database: gw.gateway.database,
            ingest: gw.gateway.stripeIngest, livemode: false
        )
        let report = try await reconciler.run(
            since: now - 60, until: now + 60, fix: true, operator: try OperatorName("t"), now: gw.gateway.clock.nowMillis()
        )
        #expect(report.discrepancies.map(\.kind) == ["credited_not_succeeded"])
        #expect(report.discrepancies.first?.fixed == false, "taking money back is an operator's decision")
    }

    @Test func olderThanThirtyDaysUsesTheObjectLists() async throws {
        let stripe = try await FakeStripeAPI.start()
        let gw = try await TestGateway.start(backend: .sqlite, parts: [.internalHTTP, .outboxWorker])
        defer { Task { await gw.stop(); await stripe.stop() } }
        try await gw.createAccount("dave")
        let old = Int64(Date().timeIntervalSince1970) - 40 * 86_400
        stripe.addPaymentIntent(id: "pi_old", status: "succeeded", amountReceived: 4_200, account: "dave", created: old)
        stripe.addPaymentIntent(id: "pi_failed", status: "canceled", amountReceived: 0, account: "dave", created: old)
        stripe.addRefund(id: "re_old", paymentIntent: "pi_old", amount: 200, created: old + 10)
        let reconciler = StripeReconciler(
            api: StripeAPIClient(baseURL: stripe.baseURL, key: Secret(FakeStripeAPI.key)), database: gw.gateway.database,
            ingest: gw.gateway.stripeIngest, livemode: false
        )
        let name = try OperatorName("t")
        let report = try await reconciler.run(since: old - 60, until: old + 60, fix: true, operator: name, now: gw.gateway.clock.nowMillis())
        #expect(report.discrepancies.map { "\($0.kind) \($0.subject)" }.sorted() == ["missing_credit stripe:pi_old", "unapplied_refund stripe:re_old"])
        #expect(try await TestGateway.eventually { try await gw.balance("dave") == 4_000 })
        let again = try await reconciler.run(since: old - 60, until: old + 60, fix: true, operator: name, now: gw.gateway.clock.nowMillis())
        #expect(again.agrees)
    }
}
