import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// Parked payments released by an operator, version-1 payment states converted on their next
/// event, and refunds fetched from Stripe's API when `charge.refunded` names none.
@Suite("Parked payments, released")
struct PaymentReleaseTests {
    static let environment = ["STRIPE_WEBHOOK_SECRET": StripeFixtures.secret]
    static let ghostPI = "pi_3RGhostBh3F2jtI5PZBgo24V"

    static func post(_ fixtures: [String], to gw: TestGateway) async throws {
        for name in fixtures {
            let response = try await StripeFixtures.post(try StripeFixtures.fixture(name), to: gw)
            #expect(response.status == 200, "\(name): \(response.text)")
        }
    }

    static func drained(_ gw: TestGateway) async throws -> Bool {
        try await TestGateway.eventually {
            let stats = try await gw.gateway.outbox.stats(now: gw.gateway.clock.nowMillis())
            return (stats.counts[.pending] ?? 0) + (stats.counts[.retrying] ?? 0) == 0
        }
    }

    static func release(_ pi: String, to account: String, on gw: TestGateway) async throws -> PaymentRelease.Outcome {
        try await PaymentRelease(paymentIntent: pi, account: account, operatorName: try OperatorName("ops-ana"), reason: "ticket 42")
            .record(in: gw.gateway.database, livemode: false, walletCurrencies: [.usd], now: gw.gateway.clock.nowMillis())
    }

    @Test("an unknown-account payment and its refund are released net, once, audited", arguments: TestBackend.available)
    func releaseNet(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: Self.environment)
        defer { Task { await gw.stop() } }
        try await gw.createAccount("acct_alice")
        try await Self.post(["ghost.checkout.session.completed.json", "ghost.refund.created.json"], to: gw)
        let parked = try await gw.gateway.payments(status: "parked", limit: 10)
        #expect(parked.map(\.parkedReason) == ["unknown_account"])
        #expect(PaymentViews(walletCurrencies: [.usd]).paymentJSON(parked[0])["would_release_cents"]?.intValue == 1_500)

        guard case .released(let net, let keys, let seq) = try await Self.release(Self.ghostPI, to: "acct_alice", on: gw) else {
            Issue.record("not released")
            return
        }
        #expect(net == 1_500)
        #expect(keys.count == 2 && keys.contains("stripe:\(Self.ghostPI)"), "\(keys)")
        let audit = try await AuditLog.list(gw.gateway.database, limit: 10)
        #expect(audit.map(\.action) == ["payments.release"] && audit.first?.seq == seq && audit.first?.subject == Self.ghostPI)
        #expect(try await Self.drained(gw))
        #expect(try await gw.balance("acct_alice") == 1_500)
        // Again: a no-op that says so, and no second audit entry.
        #expect(try await Self.release(Self.ghostPI, to: "acct_alice", on: gw) == .alreadyReleased(account: "acct_alice", operatorName: "ops-ana"))
        #expect(try await AuditLog.list(gw.gateway.database, limit: 10).count == 1)
        // Events after the release still count: the same event again changes nothing.
        try await Self.post(["ghost.refund.created.json"], to: gw)
        #expect(try await Self.drained(gw))
        #expect(try await gw.balance("acct_alice") == 1_500)
        let row = try await gw.gateway.database.transaction { db in try await StripeStore.payment(Self.ghostPI, db) }
        #expect(row?.status == "partially_refunded" && row?.account == "acct_alice" && row?.parkedReason == nil)
    }

    @Test("releases that cannot be done are refused and change nothing", arguments: TestBackend.available)
    func refusals(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: Self.environment)
        defer { Task { await gw.stop() } }
        try await gw.createAccount("acct_alice")
        try await Self.post([
            "live.checkout.session.completed.json", "eur.checkout.session.completed.json", "ghost.checkout.session.completed.json",
            "happy.checkout.session.completed.json",
        ], to: gw)
        let cases: [(String, String, String)] = [
            ("pi_3RLiveXllZyk3Cg47JzG8KQl", "acct_alice", "livemode_mismatch"),
            ("pi_3REur0APsEMv7xbjFR8YEUpj", "acct_alice", "EUR"),
            (Self.ghostPI, "acct_nobody", "does not exist"),
            ("pi_3RHappy169fyA1FXJOvV7mAS", "acct_alice", "not parked"),
            ("pi_unknown", "acct_alice", "no payment"),
        ]
        for (pi, account, message) in cases {
            do {
                _ = try await Self.release(pi, to: account, on: gw)
                Issue.record("\(pi) was released")
            } catch let error as OperatorError {
                #expect(error.kind == .refused && error.message.contains(message), "\(pi): \(error.message)")
            }
        }
        #expect(try await AuditLog.list(gw.gateway.database, limit: 10).isEmpty)
        #expect(try await gw.gateway.payments(status: "parked", limit: 10).count == 3)
        #expect(throws: OperatorError.self) { try PaymentRelease(paymentIntent: "pi_1", account: "bad id!", operatorName: try OperatorName("x"), reason: "r") }
        #expect(throws: OperatorError.self) { try PaymentRelease(paymentIntent: "ch_1", account: "acct_alice", operatorName: try OperatorName("x"), reason: "r") }
        #expect(throws: OperatorError.self) { try PaymentRelease(paymentIntent: "pi_1", account: "acct_alice", operatorName: try OperatorName("x"), reason: " ") }
    }

    @Test func theCommandPrintsAndExitsAsDocumented() async throws {
        let location = try await TestBackend.sqlite.freshLocation()
        let gw = try await TestGateway.start(backend: .sqlite, location: location, environment: Self.environment, parts: [.publicHTTP, .internalHTTP])
        try await gw.createAccount("acct_alice")
        try await Self.post(["ghost.checkout.session.completed.json", "live.checkout.session.completed.json"], to: gw)
        await gw.stop()
        let env = ["DATABASE_URL": TestBackend.databaseURL(location)]
        let list = try await GatewayProcess.runToEnd(["payments", "list", "--parked"], environment: env)
        #expect(list.0 == 0 && list.1.contains("+22.00 net") && list.1.contains("refused: other mode"), "\(list.1)")
        let release = ["payments", "release", Self.ghostPI, "--account", "acct_alice", "--operator", "ops-ana", "--reason", "ticket 42"]
        let first = try await GatewayProcess.runToEnd(release, environment: env)
        #expect(first.0 == 0 && first.1.contains("released \(Self.ghostPI) to acct_alice: 22.00 net"), "\(first.1)")
        let second = try await GatewayProcess.runToEnd(release, environment: env)
        #expect(second.0 == 0 && second.1.contains("already released to acct_alice by ops-ana"), "\(second.1)")
        let live = try await GatewayProcess.runToEnd(
            ["payments", "release", "pi_3RLiveXllZyk3Cg47JzG8KQl", "--account", "acct_alice", "--reason", "x"], environment: env
        )
        #expect(live.0 == 1 && live.1.contains("livemode_mismatch"), "\(live.1)")
        let usage = try await GatewayProcess.runToEnd(["payments", "release", Self.ghostPI, "--account", "acct_alice"], environment: env)
        #expect(usage.0 == 2, "\(usage.1)")
    }

    @Test("a version-1 state: earlier refund debits are not taken again; a failed refund gives money back", arguments: TestBackend.available)
    func versionOneState(backend: TestBackend) async throws {
        // No outbox worker: the test reads the outbox rows as they were written.
        let gw = try await TestGateway.start(backend: backend, environment: Self.environment, parts: [.publicHTTP, .internalHTTP])
        defer { Task { await gw.stop() } }
        try await gw.createAccount("acct_alice")
        try await Self.post(["refund-failed.checkout.session.completed.json", "refund-failed.refund.created.json"], to: gw)
        let pi = try #require(try await gw.gateway.payments(status: nil, limit: 1).first?.paymentIntent)
        let refund = try #require(try JSONValue.parse(Array(try StripeFixtures.fixture("refund-failed.refund.created.json").utf8))["data"]?["object"]?["id"]?.stringValue)
        // What version 1 left: its refund debit under a `refunds_to` key, and its state JSON.
        try await gw.gateway.database.transaction { db in
            try await db.query("UPDATE outbox SET idempotency_key = $1 WHERE idempotency_key = $2", [.text("stripe:\(pi):refunds_to:1000"), .text("stripe:\(refund)")])
            let v1 = """
                {"account":"acct_alice","amountCents":4000,"base":"credited","creditedCents":4000,"cumulativeRefunded":1000,"currency":"usd",\
                "disputes":{},"paymentIntent":"\(pi)","refundWatermark":1000,"refunds":{"\(refund)":{"amount":1000,"status":"succeeded"}},\
                "sessionClientReference":"acct_alice","waiting":[]}
                """
            try await db.query("UPDATE stripe_payments SET state = $1 WHERE payment_intent = $2", [.text(v1), .text(pi)])
        }
        // The same refund again: the old debit stands for it, nothing new.
        try await Self.post(["refund-failed.refund.created.json"], to: gw)
        try await Self.post(["refund-failed.refund.failed.json"], to: gw)
        let keys = try await gw.gateway.database.transaction { db in
            try await db.query("SELECT idempotency_key, direction, amount_cents FROM outbox ORDER BY id").map {
                "\(try $0.text("idempotency_key")) \(try $0.text("direction")) \(try $0.int("amount_cents"))"
            }
        }
        #expect(keys == ["stripe:\(pi) credit 4000", "stripe:\(pi):refunds_to:1000 debit 1000", "stripe:\(refund):failed credit 1000"])
    }

    @Test("a charge.refunded without refund objects: the refunds are fetched from Stripe and applied per refund", arguments: TestBackend.available)
    func refundsFetched(backend: TestBackend) async throws {
        let stripe = try await FakeStripeAPI.start()
        defer { Task { await stripe.stop() } }
        let gw = try await TestGateway.start(backend: backend, environment: Self.environment.merging([
            "STRIPE_API_BASE": stripe.baseURL, "STRIPE_API_KEY": FakeStripeAPI.key,
        ]) { $1 })
        defer { Task { await gw.stop() } }
        try await gw.createAccount("acct_alice")
        let pi = "pi_3RRefunds0IyEXHoOXBebN3G"
        let charge = "ch_3RRefundsdz4a9HdwzyXLVC8"
        stripe.addRefund(id: "re_fetchA", paymentIntent: pi, amount: 300, created: 1, charge: charge)
        stripe.addRefund(id: "re_fetchB", paymentIntent: pi, amount: 700, created: 2, status: "pending", charge: charge)
        stripe.addRefund(id: "re_other", paymentIntent: "pi_other", amount: 999, created: 3, charge: "ch_other")
        try await Self.post(["refunds.checkout.session.completed.json", "refunds.charge.refunded.2.json"], to: gw)
        #expect(try await TestGateway.eventually { try await gw.balance("acct_alice") == 2_200 })
        // B fails later; the next charge.refunded re-arms the fetch, and B never debits.
        stripe.addRefund(id: "re_fetchB", paymentIntent: pi, amount: 700, created: 2, status: "failed", charge: charge)
        stripe.addRefund(id: "re_fetchA", paymentIntent: pi, amount: 300, created: 1, status: "failed", charge: charge)
        try await Self.post(["refunds.charge.refunded.1.json"], to: gw)
        #expect(try await TestGateway.eventually { try await gw.balance("acct_alice") == 2_500 })
        let waiting = try await gw.gateway.database.transaction { db in try await RefundFetchStore.waitingCount(db) }
        #expect(waiting == 0)
    }
}
