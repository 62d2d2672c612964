import Foundation
import GatewayCore
import Store
import Stripe

/// Turns one verified event into durable facts, in one transaction: the inbox row, the
/// payment's new state and the outbox rows of its wallet effects. A 2xx goes out only after
/// this commits, so a crash at any point loses nothing.
public struct StripeIngest: Sendable {
    public enum Result: Sendable, Equatable {
        case duplicate
        case unhandled
        /// Recorded; the payment machine's outcome, or `ignored` when there was no payment to act on.
        case recorded(CardPaymentOutcome)

        public var label: String {
            switch self {
            case .duplicate: "duplicate"
            case .unhandled: "unhandled"
            case .recorded(let outcome): outcome.rawValue
            }
        }
    }

    let database: any Database
    let livemode: Bool
    /// `WALLET_CURRENCIES`: a payment in any other currency parks as unsupported.
    let walletCurrencies: Set<Currency>
    let clock: WallClock
    /// With a Stripe API key, a `charge.refunded` without refund objects queues its charge for
    /// `StripeRefundFetcher`.
    let refundFetching: Bool

    public init(
        database: any Database, livemode: Bool, walletCurrencies: Set<Currency> = [.usd], clock: WallClock, refundFetching: Bool = false
    ) {
        self.walletCurrencies = walletCurrencies
        self.database = database
        self.livemode = livemode
        self.clock = clock
        self.refundFetching = refundFetching
    }

    /// An audit entry to write in the same transaction as what the event changed
    /// (reconciliation's fixes), so a fix is never without its audit line.
    public struct AuditNote: Sendable {
        public let action: String
        public let operatorName: OperatorName
        public let details: JSONValue

        public init(action: String, operatorName: OperatorName, details: JSONValue) {
            self.action = action
            self.operatorName = operatorName
            self.details = details
        }
    }

    /// - Parameter reapply: reconciliation only: apply the event's fact even when the event was
    ///   recorded before, so a missing effect is recreated from the payment's events. Every
    ///   effect is keyed on its Stripe object, so applying a fact again never doubles money.
    /// - Parameter audit: written with the event's effects, in the same transaction.
    public func ingest(
        _ event: StripeEvent, rawBody: some Collection<UInt8>, reapply: Bool = false, audit: AuditNote? = nil
    ) async throws -> Result {
        let payload = String(decoding: rawBody, as: UTF8.self)
        let now = clock.nowMillis()
        return try await database.transaction { db in
            let handled = StripeEvent.handledTypes.contains(event.type)
            let row = StripeStore.EventRow(
                id: event.id, type: event.type, created: event.created, apiVersion: event.apiVersion,
                livemode: event.livemode, payload: payload, receivedAtMillis: now,
                outcome: handled ? "received" : "unhandled", note: nil, paymentIntent: event.paymentIntent
            )
            guard try await StripeStore.insertEvent(row, db) || reapply else { return .duplicate }
            guard handled else {
                try await StripeStore.countUnhandled(type: event.type, db)
                return .unhandled
            }
            if let session = event.checkoutSession, event.livemode == livemode {
                try await CardTopupStore.sessionEvent(
                    session: session, paymentIntent: event.paymentIntent, status: Self.topupStatus(event.fact), now: now, db
                )
            }
            guard let paymentIntent = event.paymentIntent, let fact = event.fact else {
                let note = event.problem
                    ?? (event.paymentIntent == nil ? "no payment intent on the object; nothing to do" : "nothing to do for this status")
                try await StripeStore.setOutcome(eventID: event.id, outcome: CardPaymentOutcome.ignored.rawValue, note: note, db)
                return .recorded(.ignored)
            }
            let outcome = try await apply(event, paymentIntent: paymentIntent, fact: fact, now: now, db)
            if let audit {
                try await AuditLog.append(
                    audit.action, subject: event.id, operator: audit.operatorName, details: audit.details, now: now, db
                )
            }
            return .recorded(outcome)
        }
    }

    private func apply(
        _ event: StripeEvent, paymentIntent: String, fact: CardPaymentFact, now: Int64, _ db: any SQLExecutor
    ) async throws -> CardPaymentOutcome {
        var payment = try await PaymentStates.lock(
            paymentIntent, livemode: livemode, excluding: event.id, now: now, fetchRefunds: refundFetching, db
        )
        let existing = try await Self.existingAccounts(payment.candidateAccounts(with: fact), db)
        let (outcome, effects) = payment.apply(
            CardPaymentInput(eventID: event.id, paymentIntent: paymentIntent, livemode: event.livemode, fact: fact),
            context: CardPayment.Context(livemode: livemode, walletCurrencies: walletCurrencies, accounts: existing)
        )
        try await Self.enqueue(effects, eventID: event.id, paymentIntent: paymentIntent, now: now, db)
        if refundFetching, event.livemode == livemode, case .chargeRefunded(let charge?, _, let embedded) = fact, embedded.isEmpty {
            // This charge.refunded cannot say which refund moved; Stripe's API can.
            try await RefundFetchStore.request(charge: charge, paymentIntent: paymentIntent, now: now, db)
        }
        try await PaymentStates.save(payment, now: now, db)
        let note = outcome == .parked ? payment.parkedDetail : nil
        try await StripeStore.setOutcome(eventID: event.id, outcome: outcome.rawValue, note: note, db)
        return outcome
    }

    /// What a session event says about a card top-up; nil when it says nothing final.
    static func topupStatus(_ fact: CardPaymentFact?) -> CardTopup.Status? {
        switch fact {
        case .sessionCompleted(let session): session.paymentStatus == "paid" ? .complete : nil
        case .sessionAsyncSucceeded: .complete
        case .sessionAsyncFailed: .failed
        case .sessionExpired: .expired
        default: nil
        }
    }

    /// Which of the named accounts exist, with their currencies. An id that is not even valid
    /// names no account: the payment parks as unknown.
    static func existingAccounts(_ candidates: [String], _ db: any SQLExecutor) async throws -> [AccountID: Currency] {
        try await WalletStore.currencies(of: candidates.compactMap { try? AccountID($0) }, db)
    }

    static func enqueue(
        _ effects: [CardPaymentEffect], eventID: String, paymentIntent: String, now: Int64, _ db: any SQLExecutor
    ) async throws {
        for effect in effects {
            try await OutboxStore.enqueue(try outboxRequest(effect, eventID: eventID, paymentIntent: paymentIntent), now: now, db)
        }
    }

    static func outboxRequest(_ effect: CardPaymentEffect, eventID: String, paymentIntent: String) throws -> OutboxRequest {
        let description = switch effect.kind {
        case .cardTopup: "Card top-up (Stripe \(paymentIntent))"
        case .refund: "Card refund (Stripe \(effect.stripeObject))"
        case .dispute: "Card dispute (Stripe \(effect.stripeObject))"
        case .disputeReversal: "Dispute reversed (Stripe \(effect.stripeObject))"
        case .refundReversal: "Refund failed, money back (Stripe \(effect.stripeObject))"
        default: "Stripe \(effect.stripeObject)"
        }
        let details = JSONValue.object([
            "source": .string("stripe"),
            "stripe_event": .string(eventID),
            "stripe_payment_intent": .string(paymentIntent),
            "stripe_object": .string(effect.stripeObject),
        ])
        return OutboxRequest(
            // Re-validated: a refund or dispute id recorded before ids were checked at the edge
            // must not reach the outbox as an invalid key.
            key: try IdempotencyKey(effect.key.rawValue), account: effect.account,
            direction: effect.amountCents > 0 ? .credit : .debit, amount: try PositiveCents(effect.amountCents.magnitude.int64),
            currency: effect.currency,
            kind: effect.kind, reference: effect.stripeObject, description: description,
            detailsJSON: details.canonicalText,
            // Refunds and disputes take back money that may already be spent.
            allowNegative: effect.amountCents < 0
        )
    }

}

extension UInt64 {
    /// Magnitudes here come from Int64 amounts, so they fit (Int64.min is never an amount).
    fileprivate var int64: Int64 { Int64(clamping: self) }
}
