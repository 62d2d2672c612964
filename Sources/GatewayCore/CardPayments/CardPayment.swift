/// One card payment (a Stripe PaymentIntent) and everything that happened to it.
///
/// A value type with a pure transition (`apply`); the store loads it, applies one event and
/// saves it with the effects' outbox rows in one transaction. The rules, with executable
/// examples, are in `webhooks/README.md` and `webhooks/scenarios/`.
public struct CardPayment: Sendable, Equatable, Codable {
    public enum Base: String, Sendable, Codable {
        case pending, credited, parked, failed, expired
    }

    public struct Refund: Sendable, Equatable, Codable {
        public var amount: Int64
        public var status: String
    }

    public struct Dispute: Sendable, Equatable, Codable {
        public enum Outcome: String, Sendable, Codable { case open, won, lost }
        public var amount: Int64
        public var outcome: Outcome
        public var debited: Bool
        public var reversed: Bool
    }

    public let paymentIntent: String
    /// nil until an event announces the payment itself (refunds may come first).
    public private(set) var base: Base?
    public private(set) var parkedReason: String?
    public private(set) var account: String?
    public private(set) var amountCents: Int64?
    public private(set) var currency: String?
    public private(set) var creditedCents: Int64 = 0
    public private(set) var sessionClientReference: String?
    public private(set) var sessionMetadataAccount: String?
    public private(set) var paymentIntentMetadataAccount: String?
    /// Follow-ups received before the payment was credited, in arrival order.
    public private(set) var waiting: [CardPaymentFact] = []
    public private(set) var refunds: [String: Refund] = [:]
    public private(set) var cumulativeRefunded: Int64 = 0
    /// Refunded cents already debited: only increases of it are debited.
    public private(set) var refundWatermark: Int64 = 0
    public private(set) var disputes: [String: Dispute] = [:]

    public init(paymentIntent: String) { self.paymentIntent = paymentIntent }

    /// What the caller knows from outside: configuration and which candidate accounts exist.
    public struct Context: Sendable {
        public var livemode: Bool
        public var existingAccounts: Set<String>

        public init(livemode: Bool, existingAccounts: Set<String>) {
            self.livemode = livemode
            self.existingAccounts = existingAccounts
        }
    }

    /// Accounts this payment may belong to, for the caller to check existence before `apply`.
    public func candidateAccounts(with fact: CardPaymentFact) -> [String] {
        var copy = self
        copy.remember(fact)
        return [copy.paymentIntentMetadataAccount, copy.sessionClientReference, copy.sessionMetadataAccount].compactMap { $0 }
    }

    /// Applies one event. Returns what it did and the wallet effects to enqueue.
    public mutating func apply(_ input: CardPaymentInput, context: Context) -> (CardPaymentOutcome, [CardPaymentEffect]) {
        var effects: [CardPaymentEffect] = []
        if input.livemode != context.livemode {
            if base == nil { park("livemode_mismatch") }
            return (.parked, effects)
        }
        remember(input.fact)
        let outcome: CardPaymentOutcome
        switch input.fact {
        case .sessionCompleted(let session):
            guard session.mode == "payment" else { return (.ignored, effects) }
            switch session.paymentStatus {
            case "paid": outcome = credit(session.amountTotal, session.currency, context, &effects)
            case "unpaid": outcome = markPending(session.amountTotal, session.currency, context)
            default: outcome = .ignored  // no_payment_required: no money moves
            }
        case .sessionAsyncSucceeded(let session):
            guard session.mode == "payment" else { return (.ignored, effects) }
            outcome = credit(session.amountTotal, session.currency, context, &effects)
        case .sessionAsyncFailed(let session):
            guard session.mode == "payment" else { return (.ignored, effects) }
            outcome = close(.failed)
        case .sessionExpired(let session):
            guard session.mode == "payment" else { return (.ignored, effects) }
            outcome = close(.expired)
        case .paymentIntentSucceeded(let amount, let currency, _):
            outcome = credit(amount, currency, context, &effects)
        case .chargeRefunded, .refund, .disputeOpened, .disputeWon, .disputeLost:
            guard let base, base != .pending else {
                waiting.append(input.fact)
                return (.waiting, effects)
            }
            followUp(input.fact, moneyMoves: base == .credited, &effects)
            outcome = .applied
        }
        return (outcome, effects)
    }

    /// The status operators see, derived from the state.
    public var status: String {
        guard let base else { return "awaiting_payment" }
        guard base == .credited else { return base.rawValue }
        let outcomes = disputes.values.map(\.outcome)
        if outcomes.contains(.lost) { return "dispute_lost" }
        if outcomes.contains(.open) { return "disputed" }
        if !outcomes.isEmpty { return "dispute_won" }
        if refundWatermark >= creditedCents { return "refunded" }
        return refundWatermark > 0 ? "partially_refunded" : "succeeded"
    }

    // MARK: - Payments

    private mutating func remember(_ fact: CardPaymentFact) {
        switch fact {
        case .sessionCompleted(let session), .sessionAsyncSucceeded(let session),
             .sessionAsyncFailed(let session), .sessionExpired(let session):
            if session.clientReferenceID?.isEmpty == false { sessionClientReference = session.clientReferenceID }
            if session.metadataAccount?.isEmpty == false { sessionMetadataAccount = session.metadataAccount }
        case .paymentIntentSucceeded(_, _, let metadataAccount):
            if metadataAccount?.isEmpty == false { paymentIntentMetadataAccount = metadataAccount }
        default:
            break
        }
    }

    /// Resolution order: PaymentIntent metadata, session client_reference_id, session metadata.
    private var resolvedAccount: String? {
        paymentIntentMetadataAccount ?? sessionClientReference ?? sessionMetadataAccount
    }

    private func parkReason(currency: String?, _ context: Context) -> (reason: String?, account: String?) {
        guard currency?.lowercased() == "usd" else { return ("unsupported_currency", nil) }
        guard let account = resolvedAccount else { return ("missing_account", nil) }
        guard context.existingAccounts.contains(account) else { return ("unknown_account", account) }
        return (nil, account)
    }

    private mutating func markPending(_ amount: Int64?, _ currency: String?, _ context: Context) -> CardPaymentOutcome {
        guard base == nil else { return .ignored }
        let (reason, account) = parkReason(currency: currency, context)
        self.amountCents = amount
        self.currency = currency
        self.account = account
        if let reason {
            park(reason)
            _ = drain()  // not credited: follow-ups are recorded, no money moves
            return .parked
        }
        base = .pending
        return .applied
    }

    private mutating func credit(
        _ amount: Int64?, _ currency: String?, _ context: Context, _ effects: inout [CardPaymentEffect]
    ) -> CardPaymentOutcome {
        switch base {
        case .credited: return .ignored  // the second announcement of one payment
        // A payment parked for want of an account is resolved by a later event that names
        // one (the PaymentIntent event often lacks what the session carries); every other
        // parking reason is final.
        case .parked where parkedReason != "missing_account": return .ignored
        default: break
        }
        let (reason, account) = parkReason(currency: currency, context)
        self.amountCents = amountCents ?? amount
        self.currency = currency
        self.account = account
        if let reason {
            park(reason)
            effects += drain()
            return .parked
        }
        guard let amount, amount > 0, let account else {
            park("invalid_amount")
            return .parked
        }
        base = .credited
        parkedReason = nil
        amountCents = amount
        creditedCents = amount
        effects.append(CardPaymentEffect(
            key: "stripe:\(paymentIntent)", account: account, amountCents: amount, kind: .cardTopup, stripeObject: paymentIntent
        ))
        effects += drain()
        return .applied
    }

    private mutating func close(_ final: Base) -> CardPaymentOutcome {
        switch base {
        case nil, .pending?:
            base = final
            _ = drain()  // not credited: follow-ups are recorded, no money moves
            return .applied
        default:
            return .ignored
        }
    }

    private mutating func park(_ reason: String) {
        base = .parked
        parkedReason = reason
    }

    /// Replays waiting follow-ups once the payment's fate is known; money moves only if credited.
    private mutating func drain() -> [CardPaymentEffect] {
        let pending = waiting
        waiting = []
        var effects: [CardPaymentEffect] = []
        for fact in pending { followUp(fact, moneyMoves: base == .credited, &effects) }
        return effects
    }

    // MARK: - Refunds and disputes

    private mutating func followUp(_ fact: CardPaymentFact, moneyMoves: Bool, _ effects: inout [CardPaymentEffect]) {
        switch fact {
        case .chargeRefunded(let cumulative):
            cumulativeRefunded = max(cumulativeRefunded, cumulative)
            if moneyMoves { raiseRefundWatermark(newlySucceeded: nil, &effects) }
        case .refund(let id, let amount, let status):
            let before = refunds[id]?.status
            refunds[id] = Refund(amount: amount, status: status)
            let newly = status == "succeeded" && before != "succeeded" ? id : nil
            if moneyMoves { raiseRefundWatermark(newlySucceeded: newly, &effects) }
        case .disputeOpened(let id, let amount):
            var dispute = disputes[id] ?? Dispute(amount: amount, outcome: .open, debited: false, reversed: false)
            dispute.amount = amount
            if dispute.outcome != .won { debit(dispute: id, &dispute, moneyMoves: moneyMoves, &effects) }
            disputes[id] = dispute
        case .disputeWon(let id, let amount):
            var dispute = disputes[id] ?? Dispute(amount: amount, outcome: .open, debited: false, reversed: false)
            dispute.amount = amount
            dispute.outcome = .won
            if dispute.debited, !dispute.reversed, moneyMoves, let account {
                dispute.reversed = true
                effects.append(CardPaymentEffect(
                    key: "stripe:\(id):reversal", account: account, amountCents: dispute.amount,
                    kind: .disputeReversal, stripeObject: id
                ))
            }
            disputes[id] = dispute
        case .disputeLost(let id, let amount):
            var dispute = disputes[id] ?? Dispute(amount: amount, outcome: .open, debited: false, reversed: false)
            dispute.amount = amount
            dispute.outcome = .lost
            debit(dispute: id, &dispute, moneyMoves: moneyMoves, &effects)
            disputes[id] = dispute
        default:
            break
        }
    }

    private func debit(dispute id: String, _ dispute: inout Dispute, moneyMoves: Bool, _ effects: inout [CardPaymentEffect]) {
        guard !dispute.debited, moneyMoves, let account, dispute.amount > 0 else { return }
        dispute.debited = true
        effects.append(CardPaymentEffect(
            key: "stripe:\(id)", account: account, amountCents: -dispute.amount, kind: .dispute, stripeObject: id
        ))
    }

    /// Debits only the increase of max(succeeded refunds, cumulative amount_refunded), capped at
    /// what was credited, so refunds announced by several events add up exactly once.
    private mutating func raiseRefundWatermark(newlySucceeded: String?, _ effects: inout [CardPaymentEffect]) {
        guard let account else { return }
        let succeeded = refunds.values.filter { $0.status == "succeeded" }.reduce(Int64(0)) { $0 + $1.amount }
        let target = min(max(succeeded, cumulativeRefunded), creditedCents)
        guard target > refundWatermark else { return }
        let delta = target - refundWatermark
        let key = if let id = newlySucceeded, refunds[id]?.amount == delta {
            "stripe:\(id)"
        } else {
            "stripe:\(paymentIntent):refunds_to:\(target)"
        }
        refundWatermark = target
        effects.append(CardPaymentEffect(
            key: key, account: account, amountCents: -delta, kind: .refund, stripeObject: newlySucceeded ?? paymentIntent
        ))
    }
}
