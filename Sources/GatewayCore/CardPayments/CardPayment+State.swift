/// The stored form of a payment (JSON in `stripe_payments.state`), and the way a version-1
/// state becomes a version-2 one.
extension CardPayment: Codable {
    enum CodingKeys: String, CodingKey {
        case version, paymentIntent, paid, announced, sawUnpaid, sawFailed, sawExpired
        case sessionClientReference, sessionMetadataAccount, paymentIntentMetadataAccount
        case refunds, disputes, largestAmountRefunded
        case park, namedAccount, namedAccountCurrency, creditedTo, release, ledger, legacyRefundPool, refundsPaidByPool
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        guard version == Self.stateVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: c,
                debugDescription: "payment state version \(version); this build reads \(Self.stateVersion) (version 1 is converted by the store)"
            )
        }
        paymentIntent = try c.decode(String.self, forKey: .paymentIntent)
        paid = try c.decodeIfPresent(Paid.self, forKey: .paid)
        announced = try c.decodeIfPresent(Paid.self, forKey: .announced)
        sawUnpaid = try c.decodeIfPresent(Bool.self, forKey: .sawUnpaid) ?? false
        sawFailed = try c.decodeIfPresent(Bool.self, forKey: .sawFailed) ?? false
        sawExpired = try c.decodeIfPresent(Bool.self, forKey: .sawExpired) ?? false
        sessionClientReference = try c.decodeIfPresent(String.self, forKey: .sessionClientReference)
        sessionMetadataAccount = try c.decodeIfPresent(String.self, forKey: .sessionMetadataAccount)
        paymentIntentMetadataAccount = try c.decodeIfPresent(String.self, forKey: .paymentIntentMetadataAccount)
        refunds = try c.decodeIfPresent([String: Refund].self, forKey: .refunds) ?? [:]
        disputes = try c.decodeIfPresent([String: Dispute].self, forKey: .disputes) ?? [:]
        largestAmountRefunded = try c.decodeIfPresent(Int64.self, forKey: .largestAmountRefunded) ?? 0
        park = try c.decodeIfPresent(ParkReason.self, forKey: .park)
        namedAccount = try c.decodeIfPresent(String.self, forKey: .namedAccount)
        namedAccountCurrency = try c.decodeIfPresent(String.self, forKey: .namedAccountCurrency)
        creditedTo = try c.decodeIfPresent(AccountID.self, forKey: .creditedTo)
        release = try c.decodeIfPresent(Release.self, forKey: .release)
        ledger = try c.decodeIfPresent([String: Int64].self, forKey: .ledger) ?? [:]
        legacyRefundPool = try c.decodeIfPresent(Int64.self, forKey: .legacyRefundPool) ?? 0
        refundsPaidByPool = try c.decodeIfPresent([String: Int64].self, forKey: .refundsPaidByPool) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.stateVersion, forKey: .version)
        try c.encode(paymentIntent, forKey: .paymentIntent)
        try c.encodeIfPresent(paid, forKey: .paid)
        try c.encodeIfPresent(announced, forKey: .announced)
        try c.encode(sawUnpaid, forKey: .sawUnpaid)
        try c.encode(sawFailed, forKey: .sawFailed)
        try c.encode(sawExpired, forKey: .sawExpired)
        try c.encodeIfPresent(sessionClientReference, forKey: .sessionClientReference)
        try c.encodeIfPresent(sessionMetadataAccount, forKey: .sessionMetadataAccount)
        try c.encodeIfPresent(paymentIntentMetadataAccount, forKey: .paymentIntentMetadataAccount)
        try c.encode(refunds, forKey: .refunds)
        try c.encode(disputes, forKey: .disputes)
        try c.encode(largestAmountRefunded, forKey: .largestAmountRefunded)
        try c.encodeIfPresent(park, forKey: .park)
        try c.encodeIfPresent(namedAccount, forKey: .namedAccount)
        try c.encodeIfPresent(namedAccountCurrency, forKey: .namedAccountCurrency)
        try c.encodeIfPresent(creditedTo, forKey: .creditedTo)
        try c.encodeIfPresent(release, forKey: .release)
        try c.encode(ledger, forKey: .ledger)
        try c.encode(legacyRefundPool, forKey: .legacyRefundPool)
        try c.encode(refundsPaidByPool, forKey: .refundsPaidByPool)
    }
}

/// What a version-1 state decided, and what it had already asked the wallet for. Its facts
/// are not read: the store replays the payment's recorded events instead, since version 1
/// dropped what it did not handle (`refund.failed`).
public struct CardPaymentVersion1: Sendable, Decodable {
    struct Dispute: Decodable, Sendable {
        var amount: Int64
        var debited: Bool
        var reversed: Bool
    }

    var base: String?
    var parkedReason: String?
    var account: String?
    var creditedCents: Int64?
    var refundWatermark: Int64?
    var disputes: [String: Dispute]?

    /// Refund ids whose own key version 1 may have used (`stripe:<re>`), for the caller to
    /// look up in the outbox.
    /// The keys version 1 may have used for this state's disputes, to look up what they
    /// actually moved (version 1 overwrote a dispute's amount with every event's).
    public func disputeKeys() -> [String] {
        (disputes ?? [:]).keys.sorted().flatMap { [KeyFormat.stripe($0), KeyFormat.stripeDisputeReversal($0)] }
    }

    /// The charges the recorded `charge.refunded` events name, whose refunds may be fetched.
    public static func charges(recorded: [CardPaymentFact]) -> [String] {
        var charges: [String] = []
        for case .chargeRefunded(let charge?, _, _) in recorded where !charges.contains(charge) { charges.append(charge) }
        return charges
    }

    public static func refundKeys(recorded: [CardPaymentFact]) -> [String] {
        var payment = CardPayment(paymentIntent: "")
        for fact in recorded { _ = payment.record(fact) }
        return payment.refunds.keys.sorted().map { KeyFormat.stripe($0) }
    }
}

extension CardPayment {
    /// Version 1 took `refundWatermark` cents for a payment's refunds, counting pending ones
    /// (`amount_refunded`) and never giving back a failed one. That money is assigned to the
    /// refunds it stood for: succeeded first, then pending, then failed or canceled (which
    /// `settle` then gives back), each in id order, as far as it goes. Whatever a refund still
    /// lacks is debited under its own key once it succeeds.
    mutating func drawLegacyPool() {
        func priority(_ state: RefundState) -> Int {
            switch state {
            case .succeeded: 0
            case .pending, .requiresAction: 1
            case .failed, .canceled: 2
            }
        }
        let order = refunds.sorted { (priority($0.value.state), $0.key) < (priority($1.value.state), $1.key) }
        for (id, refund) in order where legacyRefundPool > 0 && ledger[KeyFormat.stripe(id)] == nil && refundsPaidByPool[id] == nil {
            let drawn = min(legacyRefundPool, refund.amount)
            guard drawn > 0 else { continue }
            refundsPaidByPool[id] = drawn
            legacyRefundPool -= drawn
        }
    }

    /// A version-2 payment from a version-1 state: facts from the payment's recorded events
    /// (replayed with no decisions), decisions and wallet effects from the old state.
    /// - Parameter refundDebits: the `stripe:<re>` keys already in the outbox, with their
    ///   signed cents. Version 1 debited the rest of its refunds under `…:refunds_to:N` keys;
    ///   that sum becomes a pool later succeeded refunds draw on instead of debiting again.
    /// - Parameter disputeEffects: the `disputeKeys()` found in the outbox, with their signed cents.
    public static func converting(
        _ old: CardPaymentVersion1, paymentIntent: String, recorded: [CardPaymentFact], refundDebits: [String: Int64],
        disputeEffects: [String: Int64] = [:]
    ) -> CardPayment {
        var payment = CardPayment(paymentIntent: paymentIntent)
        for fact in recorded { _ = payment.record(fact) }
        // Version 1 credited only valid account ids (the outbox takes nothing else), in USD.
        if old.base == "credited", let account = old.account.flatMap({ try? AccountID($0) }), let credited = old.creditedCents {
            payment.creditedTo = account
            payment.ledger[KeyFormat.stripe(paymentIntent)] = credited
            if payment.paid == nil { payment.paid = Paid(amount: credited, currency: Currency.usd.stripeCode) }
            var pool = old.refundWatermark ?? 0
            for (key, cents) in refundDebits {
                payment.ledger[key] = cents
                pool += cents  // debits are negative
            }
            payment.legacyRefundPool = max(0, pool)
            // Bookkeeping only, never asked for: what version 1 took under its `refunds_to:N`
            // keys, so the ledger's total is the wallet's money for this payment.
            if payment.legacyRefundPool > 0 { payment.ledger[KeyFormat.stripeLegacyRefundPool(paymentIntent)] = -payment.legacyRefundPool }
            payment.drawLegacyPool()
            for (id, dispute) in old.disputes ?? [:] where dispute.debited {
                // What the outbox holds is what moved; the state's amount is the last event's.
                let debited = -(disputeEffects[KeyFormat.stripe(id)] ?? -dispute.amount)
                payment.ledger[KeyFormat.stripe(id)] = -debited
                // Version 1 debited on `created`: that debit stands as the withdrawal, so the
                // dispute is never debited again nor reversed for want of `funds_withdrawn`.
                var known = payment.disputes[id] ?? Dispute(amount: debited)
                known.withdrawnAmount = debited
                payment.disputes[id] = known
                if dispute.reversed || disputeEffects[KeyFormat.stripeDisputeReversal(id)] != nil {
                    payment.ledger[KeyFormat.stripeDisputeReversal(id)] = disputeEffects[KeyFormat.stripeDisputeReversal(id)] ?? debited
                }
            }
        } else if old.base == "parked", payment.paid != nil, let reason = old.parkedReason.flatMap(ParkReason.init(rawValue:)) {
            // Version 1 also parked unpaid sessions; version 2 decides parks when money is paid,
            // so those are decided again.
            payment.park = reason
            if reason == .unknownAccount { payment.namedAccount = old.account }
        }
        return payment
    }
}
