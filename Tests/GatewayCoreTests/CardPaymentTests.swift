import Foundation
import GatewayCore
import Testing

/// The card payment machine, pure: the cases the randomized test cannot state as one story
/// (conflicting sources, version-1 states) and the rules at their edges.
@Suite struct CardPaymentTests {
    static let context = CardPayment.Context(livemode: false, accounts: [try! AccountID("alice"): .usd, try! AccountID("bob"): .usd])

    static func session(_ status: String = "paid", amount: Int64? = 2_000, reference: String? = "alice", metadata: String? = nil) -> CardPaymentFact {
        .sessionCompleted(.init(mode: "payment", paymentStatus: status, amountTotal: amount, currency: "usd", clientReferenceID: reference, metadataAccount: metadata))
    }

    static func apply(_ facts: [CardPaymentFact], to payment: inout CardPayment) -> [CardPaymentEffect] {
        facts.enumerated().flatMap { index, fact in
            payment.apply(CardPaymentInput(eventID: "evt_\(index)", paymentIntent: payment.paymentIntent, livemode: false, fact: fact), context: context).1
        }
    }

    @Test func sourcesThatNameDifferentAccountsParkForAnOperator() {
        var payment = CardPayment(paymentIntent: "pi_1")
        let effects = Self.apply([Self.session(reference: "alice", metadata: "bob")], to: &payment)
        #expect(effects.isEmpty && payment.parkedReason == "conflicting_accounts")
        // A later event naming one of them does not resolve it: a person decides.
        _ = Self.apply([.paymentIntentSucceeded(amountReceived: 2_000, currency: "usd", metadataAccount: "alice")], to: &payment)
        #expect(payment.parkedReason == "conflicting_accounts" && (try? payment.releasable(walletCurrencies: [.usd]).get()) == 2_000)
    }

    @Test func anAnnouncementWithoutAnAmountWaitsForOneWithIt() {
        var payment = CardPayment(paymentIntent: "pi_1")
        #expect(Self.apply([Self.session(amount: nil)], to: &payment).isEmpty)
        #expect(payment.base == nil)
        let effects = Self.apply([.paymentIntentSucceeded(amountReceived: 1_500, currency: "usd", metadataAccount: "alice")], to: &payment)
        #expect(effects.map(\.amountCents) == [1_500])
    }

    @Test func aRefundThatFailsAfterItsDebitIsGivenBackOnce() {
        var payment = CardPayment(paymentIntent: "pi_1")
        let refund = CardPaymentFact.RefundObject(id: "re_1", amount: 700, status: "succeeded")
        var failed = refund
        failed.status = "failed"
        let effects = Self.apply([Self.session(), .refund(refund), .refund(failed), .refund(refund), .refund(failed)], to: &payment)
        #expect(effects.map(\.key.rawValue) == ["stripe:pi_1", "stripe:re_1", "stripe:re_1:failed"])
        #expect(effects.map(\.amountCents) == [2_000, -700, 700])
        #expect(payment.net == 2_000 && payment.ledgerTotal == 2_000)
    }

    @Test func stateSurvivesItsJSON() throws {
        var payment = CardPayment(paymentIntent: "pi_1")
        _ = Self.apply([
            Self.session(), .refund(.init(id: "re_1", amount: 300, status: "pending")),
            .disputeFundsWithdrawn(id: "dp_1", amount: 500),
        ], to: &payment)
        let decoded = try JSONDecoder().decode(CardPayment.self, from: try JSONEncoder().encode(payment))
        #expect(decoded == payment)
    }

    // MARK: - Version 1

    static func version1(_ json: String) throws -> CardPaymentVersion1 {
        try JSONDecoder().decode(CardPaymentVersion1.self, from: Data(json.utf8))
    }

    @Test func version1PoolMoneyGoesToSucceededRefundsFirstThenBackForFailedOnes() throws {
        // Version 1 debited 1000 under `refunds_to` keys: 300 for a refund that succeeded and
        // 700 counted while pending, which then failed.
        let old = try Self.version1(#"{"base":"credited","account":"alice","creditedCents":2000,"refundWatermark":1000}"#)
        let recorded: [CardPaymentFact] = [
            Self.session(), .refund(.init(id: "re_b", amount: 700, status: "failed")), .refund(.init(id: "re_a", amount: 300, status: "succeeded")),
        ]
        var payment = CardPayment.converting(old, paymentIntent: "pi_1", recorded: recorded, refundDebits: [:])
        #expect(payment.refundsPaidByPool == ["re_a": 300, "re_b": 700] && payment.legacyRefundPool == 0)
        // The next event settles: re_b's 700 comes back, re_a is not debited again.
        let effects = Self.apply([.refund(.init(id: "re_a", amount: 300, status: "succeeded"))], to: &payment)
        #expect(effects.map(\.key.rawValue) == ["stripe:re_b:failed"] && effects.map(\.amountCents) == [700])
        #expect(payment.ledgerTotal == 2_000 - 1_000 + 700)
    }

    @Test func version1DisputeDebitsComeFromTheOutboxAndAreNotReversedForWantOfFundsWithdrawn() throws {
        // Version 1 debited 6000 on `created`, then overwrote the amount with a later event's 4500.
        let old = try Self.version1(#"{"base":"credited","account":"alice","creditedCents":6000,"disputes":{"dp_1":{"amount":4500,"outcome":"open","debited":true,"reversed":false}}}"#)
        #expect(old.disputeKeys() == ["stripe:dp_1", "stripe:dp_1:reversal"])
        var payment = CardPayment.converting(
            old, paymentIntent: "pi_1", recorded: [Self.session(amount: 6_000), .disputeCreated(id: "dp_1", amount: 6_000, status: "needs_response")],
            refundDebits: [:], disputeEffects: ["stripe:dp_1": -6_000]
        )
        #expect(Self.apply([.disputeCreated(id: "dp_1", amount: 6_000, status: "needs_response")], to: &payment).isEmpty)
        let won = Self.apply([.disputeClosed(id: "dp_1", amount: 4_500, status: "won")], to: &payment)
        #expect(won.map(\.key.rawValue) == ["stripe:dp_1:reversal"] && won.map(\.amountCents) == [6_000])
    }

    @Test func aVersion1ParkOfAnUnpaidSessionIsDecidedAgainWhenMoneyArrives() throws {
        let old = try Self.version1(#"{"base":"parked","parkedReason":"unknown_account","account":"carol"}"#)
        var payment = CardPayment.converting(old, paymentIntent: "pi_1", recorded: [Self.session("unpaid")], refundDebits: [:])
        #expect(payment.base == .pending)
        let effects = Self.apply([.sessionAsyncSucceeded(.init(mode: "payment", paymentStatus: "paid", amountTotal: 2_000, currency: "usd", clientReferenceID: "alice", metadataAccount: nil))], to: &payment)
        #expect(effects.map(\.amountCents) == [2_000])
    }

    // MARK: - Currencies

    static let euroContext = CardPayment.Context(
        livemode: false, walletCurrencies: [.usd, .eur], accounts: [try! AccountID("alice"): .usd, try! AccountID("eve"): .eur]
    )

    static func session(_ account: String, _ amount: Int64, _ currency: String) -> CardPaymentFact {
        .sessionCompleted(.init(mode: "payment", paymentStatus: "paid", amountTotal: amount, currency: currency, clientReferenceID: account, metadataAccount: nil))
    }

    static func applyIn(_ context: CardPayment.Context, _ facts: [CardPaymentFact], to payment: inout CardPayment) -> [CardPaymentEffect] {
        facts.enumerated().flatMap { index, fact in
            payment.apply(CardPaymentInput(eventID: "evt_\(index)", paymentIntent: payment.paymentIntent, livemode: false, fact: fact), context: context).1
        }
    }

    @Test func aEuroPaymentIsCreditedToAEuroAccountInEuros() {
        var payment = CardPayment(paymentIntent: "pi_1")
        let effects = Self.applyIn(Self.euroContext, [Self.session("eve", 2_500, "eur"), .refund(.init(id: "re_1", amount: 500, status: "succeeded"))], to: &payment)
        #expect(effects.map(\.amountCents) == [2_500, -500] && effects.allSatisfy { $0.currency == .eur })
    }

    @Test func aPaymentInAnotherEnabledCurrencyThanTheAccountsParksWithBoth() {
        var payment = CardPayment(paymentIntent: "pi_1")
        #expect(Self.applyIn(Self.euroContext, [Self.session("eve", 2_500, "usd")], to: &payment).isEmpty)
        #expect(payment.parkedReason == "currency_mismatch")
        #expect(payment.parkedDetail == "currency_mismatch: the payment is in USD, account eve holds EUR")
        // Released to an account of the payment's currency, never to one of another.
        #expect(payment.release(to: try! AccountID("eve"), accountCurrency: .eur, walletCurrencies: [.usd, .eur], operatorName: "op", reason: "r")
            == .failure(.currency(payment: "usd", account: "EUR")))
        guard case .success(.released(let effects)) = payment.release(
            to: try! AccountID("alice"), accountCurrency: .usd, walletCurrencies: [.usd, .eur], operatorName: "op", reason: "r"
        ) else { Issue.record("not released"); return }
        #expect(effects.map(\.amountCents) == [2_500] && effects.first?.currency == .usd)
    }

    @Test func aCurrencyNoWalletHoldsIsCheckedFirst() {
        var payment = CardPayment(paymentIntent: "pi_1")
        // GBP is not enabled, and the account does not even exist: unsupported wins.
        #expect(Self.applyIn(Self.euroContext, [Self.session("nobody", 2_500, "gbp")], to: &payment).isEmpty)
        #expect(payment.parkedReason == "unsupported_currency")
        #expect((try? payment.releasable(walletCurrencies: [.usd, .eur]).get()) == nil)
        // EUR while only USD is on: unsupported too, for the EUR account as for any.
        var euro = CardPayment(paymentIntent: "pi_2")
        _ = Self.applyIn(CardPayment.Context(livemode: false, accounts: [try! AccountID("eve"): .eur]), [Self.session("eve", 100, "eur")], to: &euro)
        #expect(euro.parkedReason == "unsupported_currency")
    }
}
