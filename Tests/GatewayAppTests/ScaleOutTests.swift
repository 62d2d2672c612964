import Foundation
import GatewayCore
import GatewayTestSupport
import Logging
import Store
import Synchronization
import Testing

/// Several `gateway serve` processes on one PostgreSQL database behind a round-robin "load
/// balancer": the same events reach different instances at once, and one instance is killed
/// with -9 mid-load. Every payment is credited once, every key is applied once, and the
/// instances' outbox workers share the deliveries.
@Suite("Scale-out on PostgreSQL", .serialized, .enabled(if: TestBackend.postgresURL != nil, "needs GATEWAY_TEST_DATABASE_URL"))
struct ScaleOutTests {
    static let instances = 3
    static let payments = 240
    /// Concurrent webhook posts, like Stripe's parallel deliveries.
    static let concurrency = 16

    struct Instance {
        var process: GatewayProcess
        let publicPort: Int
        let internalPort: Int
    }

    @Test func roundRobinWithDuplicatesAndAKillCreditsEachPaymentOnce() async throws {
        let location = try await TestBackend.postgres.freshLocation()
        let databaseURL = TestBackend.databaseURL(location)
        let database = try await TestBackend.postgres.open(location)
        defer { Task { await database.close() } }
        let accounts = (0..<12).map { "acct_scale\($0)" }
        for account in accounts { _ = try await WalletStore(database: database).createAccount(try AccountID(account), now: 0) }

        let started = ContinuousClock.now
        func phase(_ name: String) { print("scale-out: \(name) at \(ContinuousClock.now - started)") }
        var instances: [Instance] = []
        for _ in 0..<Self.instances {
            let (publicPort, internalPort) = (try GatewayProcess.freePort(), try GatewayProcess.freePort())
            instances.append(Instance(
                process: try GatewayProcess(arguments: ["serve"], environment: [
                    "DATABASE_URL": databaseURL, "GATEWAY_PUBLIC_LISTEN": "127.0.0.1:\(publicPort)",
                    "GATEWAY_INTERNAL_LISTEN": "127.0.0.1:\(internalPort)", "GATEWAY_INTERNAL_TOKENS": TestGateway.token,
                    "STRIPE_WEBHOOK_SECRET": StripeFixtures.secret, "OUTBOX_BATCH_SIZE": "10", "OUTBOX_CONCURRENCY": "4",
                    "OUTBOX_POLL_INTERVAL_MS": "20", "OUTBOX_REQUEST_TIMEOUT_MS": "1000", "OUTBOX_BACKOFF_BASE_MS": "20",
                    "OUTBOX_BACKOFF_MAX_MS": "200",
                ]),
                publicPort: publicPort, internalPort: internalPort
            ))
        }
        defer { for instance in instances { instance.process.killHard() } }
        for instance in instances {
            #expect(try await TestGateway.eventually(timeout: .seconds(60)) {
                (try? await TestHTTP.request(.GET, "http://127.0.0.1:\(instance.publicPort)/healthz"))?.status == 200
            }, "instance never came up: \(instance.process.output)")
        }

        phase("instances up")
        // Each payment: the session, the PaymentIntent, and for every third a refund.
        var bodies: [String] = []
        var expected = Dictionary(uniqueKeysWithValues: accounts.map { ($0, Int64(0)) })
        for n in 0..<Self.payments {
            let account = accounts[n % accounts.count]
            let (pi, amount) = ("pi_scale\(n)", Int64(1_000 + n))
            bodies.append(StripeFixtures.checkoutCompleted(eventID: "evt_scale\(n)_s", session: "cs_scale\(n)", paymentIntent: pi, account: account, amount: amount))
            bodies.append(StripeFixtures.paymentIntentSucceeded(eventID: "evt_scale\(n)_p", paymentIntent: pi, account: account, amount: amount))
            expected[account, default: 0] += amount
            if n % 3 == 0 {
                bodies.append(StripeFixtures.event(id: "evt_scale\(n)_r", type: "refund.created", object: """
                    {"id":"re_scale\(n)","object":"refund","amount":300,"status":"succeeded","currency":"usd","payment_intent":"\(pi)"}
                    """))
                expected[account, default: 0] -= 300
            }
        }
        var rng = SeededGenerator(seed: 7)
        bodies.shuffle(using: &rng)
        // A fifth of the events is delivered twice at once, to two different instances.
        let deliveries = bodies.enumerated().flatMap { index, body in
            index % 5 == 0 ? [(body, index), (body, index + 1)] : [(body, index)]
        }

        var killed = false
        // The balancer's pool: a killed instance leaves it, as a failed health check would
        // take it out; requests it had in flight fail and are retried elsewhere.
        let live = Balancer(instances.map(\.publicPort))
        let victim = instances[1]
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = deliveries.makeIterator()
            var sent = 0
            func post(_ body: String, _ slot: Int) async throws {
                // The balancer moves on to the next instance when one does not answer.
                for attempt in 0..<(2 * Self.instances) {
                    let port = live.pick(slot + attempt)
                    if let response = try? await TestHTTP.request(
                        .POST, "http://127.0.0.1:\(port)/webhooks/stripe", body: body,
                        headers: ["Stripe-Signature": StripeFixtures.signatureHeader(body), "Content-Type": "application/json"]
                    ), response.status == 200 { return }
                    try await Task.sleep(for: .milliseconds(20))
                }
                throw TestSetupError("no instance accepted an event")
            }
            for _ in 0..<Self.concurrency {
                guard let (body, slot) = next.next() else { break }
                group.addTask { try await post(body, slot) }
            }
            while try await group.next() != nil {
                sent += 1
                if sent == deliveries.count * 2 / 5, !killed {
                    phase("\(sent) answered; killing one instance")
                    victim.process.killHard()
                    live.remove(victim.publicPort)
                    killed = true
                }
                if let (body, slot) = next.next() { group.addTask { try await post(body, slot) } }
            }
        }
        #expect(killed)
        phase("\(deliveries.count) deliveries answered")

        let outbox = OutboxStore(database: database)
        let drained = try await TestGateway.eventually(timeout: .seconds(120)) {
            try await database.transaction { db in
                try await db.queryOne("SELECT count(*) AS n FROM outbox WHERE status <> 'delivered'")?.int("n") == 0
            }
        }
        phase("outbox drained")
        let stats = try await outbox.stats(now: 0)
        #expect(drained, "outbox not drained: \(stats)")
        let wallet = WalletStore(database: database)
        for account in accounts {
            #expect(try await wallet.account(try AccountID(account))?.balance.minor == expected[account], "\(account)")
        }
        try await database.transaction { db in
            let credits = try await db.queryOne("SELECT count(*) AS n FROM ledger_entries WHERE kind = 'card_topup'")?.int("n")
            #expect(credits == Int64(Self.payments), "one card credit per payment")
            let rows = try await db.queryOne("SELECT count(*) AS n FROM outbox")?.int("n")
            let entries = try await db.queryOne("SELECT count(*) AS n FROM ledger_entries")?.int("n")
            #expect(rows == entries, "every outbox key applied once in the wallet")
        }
        #expect(try await wallet.balanceMismatches().isEmpty)
        // The surviving instances both delivered: the outbox work is shared.
        for instance in instances where instance.publicPort != victim.publicPort {
            let metrics = try await TestHTTP.request(.GET, "http://127.0.0.1:\(instance.internalPort)/metrics", token: TestGateway.token)
            let delivered = metrics.text.split(separator: "\n").first {
                $0.hasPrefix("gateway_outbox_deliveries_total") && $0.contains("delivered")
            }
            #expect(delivered.map { !$0.hasSuffix(" 0") } == true, "instance on \(instance.publicPort) delivered nothing:\n\(metrics.text.prefix(2000))")
        }
    }

    /// A round-robin pool of instance ports.
    final class Balancer: Sendable {
        private let ports: Mutex<[Int]>
        init(_ ports: [Int]) { self.ports = Mutex(ports) }
        func pick(_ slot: Int) -> Int { ports.withLock { $0[slot % $0.count] } }
        func remove(_ port: Int) { ports.withLock { $0.removeAll { $0 == port } } }
    }
}
