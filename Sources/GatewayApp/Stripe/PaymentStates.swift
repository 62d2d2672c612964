import Foundation
import GatewayCore
import Store
import Stripe

/// Loading and saving a card payment's state, in the caller's transaction. A version-1 state
/// (the arrival-order machine) is converted on first load: its facts come again from the
/// payment's recorded events, its decisions and effects from the old state and the outbox.
enum PaymentStates {
    /// The payment, locked for this transaction; a new one when it was never seen.
    /// - Parameter excluding: the event being applied now (recorded already, applied after).
    /// - Parameter fetchRefunds: a version-1 state whose refund debits cannot all be
    ///   attributed queues its charges for `StripeRefundFetcher`.
    static func lock(
        _ paymentIntent: String, livemode: Bool, excluding eventID: String?, now: Int64, fetchRefunds: Bool = false,
        _ db: any SQLExecutor
    ) async throws -> CardPayment {
        guard let json = try await StripeStore.lockPayment(paymentIntent, now: now, db) else {
            return CardPayment(paymentIntent: paymentIntent)
        }
        return try await decode(
            json, paymentIntent: paymentIntent, livemode: livemode, excluding: eventID, fetchRefunds: fetchRefunds, now: now, db
        )
    }

    /// The payment without locking (views, reconciliation's dry run); nil when never seen.
    static func read(_ paymentIntent: String, livemode: Bool, _ db: any SQLExecutor) async throws -> CardPayment? {
        guard let json = try await StripeStore.paymentState(paymentIntent, db) else { return nil }
        return try await decode(json, paymentIntent: paymentIntent, livemode: livemode, excluding: nil, fetchRefunds: false, now: nil, db)
    }

    static func save(_ payment: CardPayment, now: Int64, _ db: any SQLExecutor) async throws {
        try await StripeStore.savePayment(
            payment.paymentIntent, account: payment.account, status: payment.status, amountCents: payment.amountCents,
            currency: payment.currency, parkedReason: payment.parkedReason, stateJSON: try encode(payment), now: now, db
        )
    }

    static func encode(_ payment: CardPayment) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(payment), as: UTF8.self)
    }

    private struct VersionProbe: Decodable { let version: Int? }

    static func decode(
        _ json: String, paymentIntent: String, livemode: Bool, excluding eventID: String?, fetchRefunds: Bool, now: Int64?,
        _ db: any SQLExecutor
    ) async throws -> CardPayment {
        let data = Data(json.utf8)
        guard try JSONDecoder().decode(VersionProbe.self, from: data).version == nil else {
            return try JSONDecoder().decode(CardPayment.self, from: data)
        }
        let old = try JSONDecoder().decode(CardPaymentVersion1.self, from: data)
        var recorded: [CardPaymentFact] = []
        for row in try await StripeStore.events(paymentIntent: paymentIntent, db) where row.id != eventID && row.livemode == livemode {
            // Every stored payload was decoded once; one that no longer is must not be skipped
            // silently (it may be a refund): the event being applied fails and Stripe retries.
            guard let fact = try StripeEvent.decode(Array(row.payload.utf8)).fact else { continue }
            recorded.append(fact)
        }
        let refundDebits = try await OutboxStore.signedCents(keys: CardPaymentVersion1.refundKeys(recorded: recorded), db)
        let disputeEffects = try await OutboxStore.signedCents(keys: old.disputeKeys(), db)
        let converted = CardPayment.converting(
            old, paymentIntent: paymentIntent, recorded: recorded, refundDebits: refundDebits, disputeEffects: disputeEffects
        )
        if converted.legacyRefundPool > 0, fetchRefunds, let now {
            // Version 1 took refund money it cannot attribute; the charge's refunds say whose.
            for charge in CardPaymentVersion1.charges(recorded: recorded) {
                try await RefundFetchStore.request(charge: charge, paymentIntent: paymentIntent, now: now, db)
            }
        }
        return converted
    }
}
