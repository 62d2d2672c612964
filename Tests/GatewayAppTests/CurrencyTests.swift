import Foundation
@testable import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// Accounts in EUR next to USD, over HTTP on both backends: the wire shape, card payments in
/// the account's currency (credited, parked on a mismatch, refunded), and the wallet refusing a
/// credit in another currency.
@Suite("Account currencies")
struct CurrencyTests {
    static let euro = ["WALLET_CURRENCIES": "USD,EUR", "STRIPE_WEBHOOK_SECRET": StripeFixtures.secret]

    static func session(_ event: String, pi: String, account: String, amount: Int64, currency: String) -> String {
        StripeFixtures.event(id: event, type: "checkout.session.completed", object: """
            {"id":"cs_test_\(pi)","object":"checkout.session","mode":"payment","payment_status":"paid","status":"complete",\
            "amount_total":\(amount),"currency":"\(currency)","client_reference_id":"\(account)","metadata":{"account_id":"\(account)"},\
            "payment_intent":"\(pi)"}
            """)
    }

    static func refund(_ event: String, pi: String, refund: String, amount: Int64, currency: String) -> String {
        StripeFixtures.event(id: event, type: "refund.updated", object: """
            {"id":"\(refund)","object":"refund","amount":\(amount),"currency":"\(currency)","status":"succeeded","payment_intent":"\(pi)"}
            """)
    }

    @Test(arguments: TestBackend.available)
    func accountsChooseTheirCurrencyOnce(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: Self.euro, parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        let eur = try await gw.request(.POST, "/v1/accounts", body: #"{"id":"eve","currency":"eur"}"#)
        #expect(eur.status == 201)
        #expect(eur.json?["currency"]?.stringValue == "EUR")
        #expect(eur.json?["balance"]?["amount_minor"]?.intValue == 0 && eur.json?["balance"]?["currency"]?.stringValue == "EUR")
        #expect(eur.json?["balance_cents"] == nil, "the USD-era alias is for USD accounts only")
        let conflict = try await gw.request(.POST, "/v1/accounts", body: #"{"id":"eve","currency":"USD"}"#)
        #expect(conflict.status == 409 && conflict.json?["error"]?["code"]?.stringValue == "currency_conflict")
        let implicitUSD = try await gw.request(.POST, "/v1/accounts", body: #"{"id":"eve"}"#)
        #expect(implicitUSD.status == 409, "no currency means USD, which eve does not hold")
        let usd = try await gw.request(.POST, "/v1/accounts", body: #"{"id":"ann"}"#)
        #expect(usd.status == 201 && usd.json?["balance_cents"]?.intValue == 0 && usd.json?["balance"]?["currency"]?.stringValue == "USD")
        for (body, code) in [(#"{"id":"x","currency":"JPY"}"#, "unsupported_currency"), (#"{"id":"x","currency":"EURO"}"#, "invalid_currency"),
                             (#"{"id":"x","currency":7}"#, "invalid_currency")] {
            let refused = try await gw.request(.POST, "/v1/accounts", body: body)
            #expect(refused.status == 422 && refused.json?["error"]?["code"]?.stringValue == code, "\(body)")
        }
        #expect(try await gw.gateway.wallet.account(try AccountID("x")) == nil, "a refused create changes nothing")

        func post(_ account: String, _ key: String, _ body: String) async throws -> TestResponse {
            try await gw.request(.POST, "/v1/accounts/\(account)/credits", body: body, headers: ["Idempotency-Key": key])
        }
        let credit = try await post("eve", "k1", #"{"amount_minor":1250,"currency":"EUR","kind":"adjustment"}"#)
        #expect(credit.status == 201)
        #expect(credit.json?["amount_minor"]?.intValue == 1250 && credit.json?["balance_after_minor"]?.intValue == 1250)
        #expect(credit.json?["currency"]?.stringValue == "EUR" && credit.json?["amount_cents"] == nil)
        // No currency: the account's. The same request under the same key is a replay.
        let implicit = try await post("eve", "k1", #"{"amount_minor":1250,"kind":"adjustment"}"#)
        #expect(implicit.status == 200 && implicit.json?["id"] == credit.json?["id"])
        let replayInUSD = try await post("eve", "k1", #"{"amount_minor":1250,"currency":"USD","kind":"adjustment"}"#)
        #expect(replayInUSD.status == 422 && replayInUSD.json?["error"]?["code"]?.stringValue == "currency_mismatch", "a replay keeps its currency")
        let mismatch = try await post("eve", "k2", #"{"amount_minor":100,"currency":"USD","kind":"adjustment"}"#)
        #expect(mismatch.status == 422 && mismatch.json?["error"]?["code"]?.stringValue == "currency_mismatch")
        let disagree = try await post("eve", "k3", #"{"amount_minor":100,"amount_cents":101,"kind":"adjustment"}"#)
        #expect(disagree.status == 422 && disagree.json?["error"]?["code"]?.stringValue == "invalid_amount")
        // A USD account keeps the old names beside the new ones.
        let old = try await post("ann", "k4", #"{"amount_cents":300,"kind":"adjustment"}"#)
        #expect(old.status == 201 && old.json?["amount_cents"]?.intValue == 300 && old.json?["amount_minor"]?.intValue == 300)
        #expect(old.json?["currency"]?.stringValue == "USD" && old.json?["balance_after_cents"]?.intValue == 300)
        let history = try await gw.request(.GET, "/v1/accounts/eve/transactions")
        #expect(history.json?["data"]?.arrayValue?.first?["currency"]?.stringValue == "EUR")
        #expect(try await gw.gateway.wallet.account(try AccountID("eve"))?.balance == Money(1250, .eur))
    }

    @Test(arguments: TestBackend.available)
    func onlyUSDUnlessEURIsTurnedOn(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        let eur = try await gw.request(.POST, "/v1/accounts", body: #"{"id":"eve","currency":"EUR"}"#)
        #expect(eur.status == 422 && eur.json?["error"]?["code"]?.stringValue == "unsupported_currency")
        #expect(eur.json?["error"]?["message"]?.stringValue?.contains("WALLET_CURRENCIES") == true)
    }

    @Test(arguments: TestBackend.available)
    func cardPaymentsMoveMoneyInTheAccountsCurrency(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: Self.euro)
        defer { Task { await gw.stop() } }
        try await gw.createAccount("eve", currency: "EUR")
        try await gw.createAccount("ann")
        for body in [
            Self.session("evt_eur_1", pi: "pi_eur1", account: "eve", amount: 4_000, currency: "eur"),
            Self.session("evt_usd_1", pi: "pi_usd1", account: "eve", amount: 2_500, currency: "usd"),
            Self.session("evt_gbp_1", pi: "pi_gbp1", account: "ann", amount: 900, currency: "gbp"),
            Self.refund("evt_eur_2", pi: "pi_eur1", refund: "re_eur1", amount: 1_500, currency: "eur"),
        ] {
            let answer = try await StripeFixtures.post(body, to: gw)
            #expect(answer.status == 200, "\(answer.text)")
        }
        let settled = try await TestGateway.eventually(timeout: .seconds(20)) {
            try await gw.gateway.wallet.account(try AccountID("eve"))?.balance == Money(2_500, .eur)
        }
        #expect(settled, "4000 EUR credited, 1500 EUR refunded")
        let entries = try await gw.gateway.wallet.history(try AccountID("eve"), limit: 10, startingAfter: nil)
        #expect(entries.map(\.amount) == [Money(-1_500, .eur), Money(4_000, .eur)])
        let mismatch = try #require(try await gw.gateway.payments(status: "parked", limit: 10).first { $0.paymentIntent == "pi_usd1" })
        #expect(mismatch.parkedReason == "currency_mismatch")
        let note = try await gw.gateway.database.transaction { db in try await StripeStore.event("evt_usd_1", db)?.note }
        #expect(note == "currency_mismatch: the payment is in USD, account eve holds EUR")
        let unsupported = try #require(try await gw.gateway.payments(status: "parked", limit: 10).first { $0.paymentIntent == "pi_gbp1" })
        #expect(unsupported.parkedReason == "unsupported_currency")
        // Released to an account that holds the payment's currency, never another.
        await #expect(throws: OperatorError.self) {
            try await PaymentRelease(paymentIntent: "pi_usd1", account: "eve", operatorName: try OperatorName("op"), reason: "ticket 1")
                .record(in: gw.gateway.database, livemode: false, walletCurrencies: [.usd, .eur], now: gw.gateway.clock.nowMillis())
        }
        let released = try await PaymentRelease(paymentIntent: "pi_usd1", account: "ann", operatorName: try OperatorName("op"), reason: "ticket 1")
            .record(in: gw.gateway.database, livemode: false, walletCurrencies: [.usd, .eur], now: gw.gateway.clock.nowMillis())
        #expect(released == .released(netCents: 2_500, keys: ["stripe:pi_usd1"], auditSeq: 1))
        #expect(try await TestGateway.eventually(timeout: .seconds(20)) {
            try await gw.gateway.wallet.account(try AccountID("ann"))?.balance == Money(2_500, .usd)
        })
    }

    @Test func theOutboxPostsTheCurrencyOfNewRowsOnly() throws {
        func item(_ currency: Currency?) throws -> OutboxItem {
            OutboxItem(
                id: 1, key: try IdempotencyKey("k"), account: try AccountID("a"), direction: .credit, amount: try PositiveCents(5),
                currency: currency, kind: .adjustment, reference: "", description: "", detailsJSON: "{}", allowNegative: false,
                state: OutboxState(status: .pending, attempts: 0, nextAttemptAtMillis: 0), createdAtMillis: 0
            )
        }
        // A row from before currencies keeps its body byte for byte (its idempotency).
        #expect(HTTPWalletClient.body(try item(nil)) == #"{"amount_cents":5,"description":"","details":{},"kind":"adjustment","reference":""}"#)
        #expect(HTTPWalletClient.body(try item(.eur)) == #"{"amount_minor":5,"currency":"EUR","description":"","details":{},"kind":"adjustment","reference":""}"#)
        #expect(HTTPWalletClient.body(try item(.usd)).contains(#""amount_cents":5,"amount_minor":5,"currency":"USD""#))
    }
}
