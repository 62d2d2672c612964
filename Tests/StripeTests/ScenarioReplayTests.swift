import Foundation
import GatewayCore
import Stripe
import Testing

/// Every `webhooks/scenarios/*.json` replayed through the real decoder and the pure payment
/// state machine, with no I/O: the rules themselves, checked against hand-worked expectations.
/// (GatewayAppTests replays the same scenarios over HTTP into a real store and wallet.)
@Suite("Stripe scenarios, pure")
struct ScenarioReplayTests {
    struct Scenario: Decodable, Sendable, CustomTestStringConvertible {
        struct Expect: Decodable, Sendable {
            struct Entry: Decodable, Sendable, Equatable {
                let account: String
                let key: String
                let amount: Int64
            }
            let balances: [String: Int64]
            let payments: [String: String]?
            let parked_reasons: [String: String]?
            let unhandled: [String: Int]?
            let entries: [Entry]?
        }
        var name = ""
        let accounts: [String]
        let deliveries: [String]
        let expect: Expect
        var testDescription: String { name }

        enum CodingKeys: String, CodingKey { case accounts, deliveries, expect }
    }

    static let webhooks = SignatureVectorTests.root.appendingPathComponent("webhooks")

    static let scenarios: [Scenario] = {
        let directory = webhooks.appendingPathComponent("scenarios")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".json") }.sorted() ?? []
        return files.compactMap { file in
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(file)),
                  var scenario = try? JSONDecoder().decode(Scenario.self, from: data) else { return nil }
            scenario.name = String(file.dropLast(5))
            return scenario
        }
    }()

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: webhooks.appendingPathComponent("fixtures/\(name)")))
    }

    static func sorted(_ entries: [Scenario.Expect.Entry]) -> [Scenario.Expect.Entry] {
        entries.sorted { ($0.key, $0.account, $0.amount) < ($1.key, $1.account, $1.amount) }
    }

    /// A signed event whose object id cannot name a key is kept with the reason, never applied.
    @Test func anEventWithAnIDThatIsNotStripesIsRecordedNotApplied() throws {
        let body = #"{"id":"evt_odd","object":"event","type":"refund.updated","created":1,"livemode":false,"data":{"object":{"id":"re_1 OR 1=1","object":"refund","amount":5,"status":"succeeded","payment_intent":"pi_1"}}}"#
        let event = try StripeEvent.decode(Array(body.utf8))
        #expect(event.fact == nil && event.paymentIntent == nil)
        #expect(event.problem?.contains("is not a Stripe id") == true)
    }

    @Test func scenariosAreLoaded() {
        #expect(Self.scenarios.count >= 20)
    }

    @Test(arguments: scenarios)
    func replay(_ scenario: Scenario) throws {
        var seen: Set<String> = []
        var payments: [String: CardPayment] = [:]
        var unhandled: [String: Int] = [:]
        var entries: [Scenario.Expect.Entry] = []
        var accounts: [AccountID: Currency] = [:]
        for account in scenario.accounts { accounts[try AccountID(account)] = .usd }
        let context = CardPayment.Context(livemode: false, accounts: accounts)
        for delivery in scenario.deliveries {
            let event = try StripeEvent.decode(try Self.fixture(delivery))
            guard seen.insert(event.id).inserted else { continue }
            guard StripeEvent.handledTypes.contains(event.type) else {
                unhandled[event.type, default: 0] += 1
                continue
            }
            guard let pi = event.paymentIntent, let fact = event.fact else { continue }
            var payment = payments[pi] ?? CardPayment(paymentIntent: pi)
            let (_, effects) = payment.apply(
                CardPaymentInput(eventID: event.id, paymentIntent: pi, livemode: event.livemode, fact: fact), context: context
            )
            payments[pi] = payment
            entries += effects.map { .init(account: $0.account.rawValue, key: $0.key.rawValue, amount: $0.amountCents) }
        }
        var balances = Dictionary(uniqueKeysWithValues: scenario.accounts.map { ($0, Int64(0)) })
        for entry in entries { balances[entry.account, default: 0] += entry.amount }
        #expect(balances == scenario.expect.balances)
        if let expected = scenario.expect.payments {
            // Payments known only from refunds or disputes (awaiting_payment) are not listed.
            #expect(payments.filter { $0.value.base != nil }.mapValues(\.status) == expected)
        }
        if let expected = scenario.expect.parked_reasons {
            #expect(payments.compactMapValues { $0.base == .parked ? $0.parkedReason : nil } == expected)
        }
        if let expected = scenario.expect.unhandled { #expect(unhandled == expected) }
        // Order does not matter (webhooks/README.md): effects asked for at once come in key order here.
        if let expected = scenario.expect.entries { #expect(Self.sorted(entries) == Self.sorted(expected)) }
        // Every key is applied once: no effect is ever asked for twice.
        #expect(Set(entries.map(\.key)).count == entries.count)
    }
}
