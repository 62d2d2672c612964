/// One card payment (a Stripe PaymentIntent) and everything Stripe told us about it.
///
/// A value type with a pure transition (`apply`); the store loads it, applies one event and
/// saves it with the effects' outbox rows in one transaction.
///
/// The rule: the state is the set of facts Stripe reported, each object at its latest state
/// (a refund's lifecycle, a dispute's funds and outcome), and the money the wallet holds for
/// the payment is a function of those facts alone, never of the order they arrived in:
///
///     paid amount − refunds whose latest state is succeeded
///                 − disputes whose funds are withdrawn and not reinstated or won
///
/// Each object's share moves under its own key (`CardPayment+Money.swift`). The same rules,
/// with executable examples, are in `webhooks/README.md`, `webhooks/scenarios/` and
/// `webhooks/tools/gateway_model.py`.
public struct CardPayment: Sendable, Equatable {
    /// The state kept in the store's JSON; version 1 was the arrival-order watermark machine.
    public static let stateVersion = 2

    public enum Base: String, Sendable, Codable {
        case pending, credited, parked, failed, expired
    }

    public enum ParkReason: String, Sendable, Codable, Equatable {
        case livemodeMismatch = "livemode_mismatch"
        /// No wallet can hold the payment's currency (it is not in `WALLET_CURRENCIES`).
        case unsupportedCurrency = "unsupported_currency"
        /// The account exists and holds another currency.
        case currencyMismatch = "currency_mismatch"
        case missingAccount = "missing_account"
        case unknownAccount = "unknown_account"
        /// The account sources name different accounts: a platform bug a person must settle.
        case conflictingAccounts = "conflicting_accounts"
        case invalidAmount = "invalid_amount"

        /// Only a missing account resolves by itself (a later event names one); every other
        /// reason needs a person.
        public var waitsForOperator: Bool { self != .missingAccount }
    }

    /// A paid announcement: the money arrived at Stripe.
    public struct Paid: Sendable, Equatable, Codable {
        public var amount: Int64
        public var currency: String
    }

    public enum RefundState: String, Sendable, Codable, Equatable {
        case pending
        case requiresAction = "requires_action"
        case succeeded, failed, canceled

        /// Stripe's lifecycle: pending → (requires_action) → succeeded → failed, or pending /
        /// requires_action → canceled. Later states win; failed and canceled are final.
        var rank: Int {
            switch self {
            case .pending: 0
            case .requiresAction: 1
            case .succeeded: 2
            case .failed, .canceled: 3
            }
        }
    }

    public struct Refund: Sendable, Equatable, Codable {
        public var amount: Int64
        public var state: RefundState
    }

    public struct Dispute: Sendable, Equatable, Codable {
        public enum Outcome: String, Sendable, Codable { case open, won, lost }
        /// The amount first seen for the dispute.
        public var amount: Int64
        /// The amount `funds_withdrawn` took, once it was seen.
        public var withdrawnAmount: Int64?
        public var reinstated: Bool = false
        public var outcome: Outcome = .open
        /// The amount on `closed(lost)`: a lost chargeback keeps its funds even when the
        /// `funds_withdrawn` event never reached us.
        public var lostAmount: Int64?

        /// Whether Stripe holds the disputed funds now.
        public var holdsFunds: Bool {
            (withdrawnAmount != nil || outcome == .lost) && !(reinstated || outcome == .won)
        }

        public var heldAmount: Int64 { withdrawnAmount ?? lostAmount ?? amount }
    }

    /// An operator's release of a payment parked for them.
    public struct Release: Sendable, Equatable, Codable {
        public var account: String
        public var from: ParkReason
        public var operatorName: String
        public var reason: String
    }

    public let paymentIntent: String

    // MARK: Facts

    /// The first paid announcement (session paid or async succeeded, PaymentIntent succeeded).
    public internal(set) var paid: Paid?
    /// An unpaid session's amount and currency, for display while pending.
    public internal(set) var announced: Paid?
    public internal(set) var sawUnpaid = false
    public internal(set) var sawFailed = false
    public internal(set) var sawExpired = false
    public internal(set) var sessionClientReference: String?
    public internal(set) var sessionMetadataAccount: String?
    public internal(set) var paymentIntentMetadataAccount: String?
    public internal(set) var refunds: [String: Refund] = [:]
    public internal(set) var disputes: [String: Dispute] = [:]
    /// The largest `charge.amount_refunded` seen; display only.
    public internal(set) var largestAmountRefunded: Int64 = 0

    // MARK: Decisions

    public internal(set) var park: ParkReason?
    /// The account a parked payment named that does not exist (for operators).
    public internal(set) var namedAccount: String?
    /// The currency of the account a `currency_mismatch` payment named (for operators).
    public internal(set) var namedAccountCurrency: String?
    /// The account the payment is credited to, once it is.
    public internal(set) var creditedTo: AccountID?
    public internal(set) var release: Release?
    /// Every wallet effect already asked for, by idempotency key: signed cents.
    public internal(set) var ledger: [String: Int64] = [:]
    /// Refund cents a version-1 state debited under keys not tied to one refund
    /// (`…:refunds_to:N`); succeeded refunds draw on it before debiting again.
    public internal(set) var legacyRefundPool: Int64 = 0
    /// Cents of each refund's debit the legacy pool paid.
    public internal(set) var refundsPaidByPool: [String: Int64] = [:]

    public init(paymentIntent: String) { self.paymentIntent = paymentIntent }

    /// What the caller knows from outside: configuration, and which candidate accounts exist
    /// with the currency each holds.
    public struct Context: Sendable {
        public var livemode: Bool
        /// The currencies wallets may hold (`WALLET_CURRENCIES`).
        public var walletCurrencies: Set<Currency>
        public var accounts: [AccountID: Currency]

        public init(livemode: Bool, walletCurrencies: Set<Currency> = [.usd], accounts: [AccountID: Currency]) {
            self.livemode = livemode
            self.walletCurrencies = walletCurrencies
            self.accounts = accounts
        }
    }

    // MARK: - Derived

    public var base: Base? {
        if creditedTo != nil { return .credited }
        if park != nil { return .parked }
        if sawFailed { return .failed }
        if sawExpired { return .expired }
        if sawUnpaid { return .pending }
        return nil
    }

    public var parkedReason: String? { park?.rawValue }
    /// The reason with what an operator needs to act on it.
    public var parkedDetail: String? {
        guard let park else { return nil }
        guard park == .currencyMismatch, let paid, let namedAccountCurrency else { return park.rawValue }
        return "\(park.rawValue): the payment is in \(paid.currency.uppercased()), account \(namedAccount ?? "?") holds \(namedAccountCurrency)"
    }
    public var account: String? { creditedTo?.rawValue ?? namedAccount }
    public var amountCents: Int64? { paid?.amount ?? announced?.amount }
    public var currency: String? { paid?.currency ?? announced?.currency }

    /// Cents of refunds whose latest state is succeeded.
    public var succeededRefunds: Int64 {
        refunds.values.filter { $0.state == .succeeded }.reduce(0) { $0 + $1.amount }
    }

    /// What the payment is worth to the wallet now: the paid amount less succeeded refunds and
    /// funds disputes hold. What a release credits, net.
    public var net: Int64 {
        guard let paid else { return 0 }
        return paid.amount - succeededRefunds - disputes.values.filter(\.holdsFunds).reduce(0) { $0 + $1.heldAmount }
    }

    /// Signed cents of every effect asked for so far.
    public var ledgerTotal: Int64 { ledger.values.reduce(0, +) }

    /// The status operators see, derived from the state.
    /// Every `status` of a credited payment: whatever happened after, its credit was asked for.
    public static let creditedStatuses = ["succeeded", "partially_refunded", "refunded", "disputed", "dispute_won", "dispute_lost"]

    public var status: String {
        guard let base else { return "awaiting_payment" }
        guard base == .credited, let paid else { return base.rawValue }
        let outcomes = disputes.values.map(\.outcome)
        if outcomes.contains(.lost) { return "dispute_lost" }
        if outcomes.contains(.open) { return "disputed" }
        if !outcomes.isEmpty { return "dispute_won" }
        let refunded = succeededRefunds
        if refunded >= paid.amount { return "refunded" }
        return refunded > 0 ? "partially_refunded" : "succeeded"
    }

    /// Accounts this payment may belong to, for the caller to check existence before `apply`.
    public func candidateAccounts(with fact: CardPaymentFact) -> [String] {
        var copy = self
        _ = copy.record(fact)
        return [copy.paymentIntentMetadataAccount, copy.sessionClientReference, copy.sessionMetadataAccount].compactMap { $0 }
    }

    // MARK: - Transition

    /// Applies one event. Returns what it did and the wallet effects to enqueue.
    public mutating func apply(_ input: CardPaymentInput, context: Context) -> (CardPaymentOutcome, [CardPaymentEffect]) {
        if input.livemode != context.livemode {
            // Recorded and not applied; a payment known only from such events waits for a person.
            if base == nil { park = .livemodeMismatch }
            return (.parked, [])
        }
        let before = self
        guard record(input.fact) else { return (.ignored, []) }
        decide(context)
        let effects = settle()
        if base == .parked { return (.parked, effects) }
        if input.fact.isFollowUp, base != .credited { return (.waiting, effects) }
        return (self == before ? .ignored : .applied, effects)
    }

    /// Records what the fact says. False when the fact is outside the rules (a session not in
    /// payment mode, or one needing no payment).
    mutating func record(_ fact: CardPaymentFact) -> Bool {
        switch fact {
        case .sessionCompleted(let session):
            // no_payment_required: no money moves, and nothing is recorded.
            guard ["paid", "unpaid"].contains(session.paymentStatus), rememberSession(session) else { return false }
            if session.paymentStatus == "paid" {
                announcePaid(session.amountTotal, session.currency)
            } else {
                sawUnpaid = true
                if announced == nil, let amount = session.amountTotal, let currency = session.currency {
                    announced = Paid(amount: amount, currency: currency)
                }
            }
        case .sessionAsyncSucceeded(let session):
            guard rememberSession(session) else { return false }
            announcePaid(session.amountTotal, session.currency)
        case .sessionAsyncFailed(let session):
            guard rememberSession(session) else { return false }
            sawFailed = true
        case .sessionExpired(let session):
            guard rememberSession(session) else { return false }
            sawExpired = true
        case .paymentIntentSucceeded(let amount, let currency, let metadataAccount):
            if metadataAccount?.isEmpty == false { paymentIntentMetadataAccount = metadataAccount }
            announcePaid(amount, currency)
        case .chargeRefunded(_, let cumulative, let embedded):
            largestAmountRefunded = max(largestAmountRefunded, cumulative)
            for refund in embedded { recordRefund(refund) }
        case .refund(let refund):
            recordRefund(refund)
        case .disputeCreated(let id, let amount, _):
            if disputes[id] == nil { disputes[id] = Dispute(amount: amount) }
        case .disputeFundsWithdrawn(let id, let amount):
            var dispute = disputes[id] ?? Dispute(amount: amount)
            if dispute.withdrawnAmount == nil { dispute.withdrawnAmount = amount }
            disputes[id] = dispute
        case .disputeFundsReinstated(let id, let amount):
            var dispute = disputes[id] ?? Dispute(amount: amount)
            dispute.reinstated = true
            disputes[id] = dispute
        case .disputeClosed(let id, let amount, let status):
            var dispute = disputes[id] ?? Dispute(amount: amount)
            switch status {
            case "won", "warning_closed": if dispute.outcome == .open { dispute.outcome = .won }
            case "lost":
                if dispute.outcome == .open { dispute.outcome = .lost }
                if dispute.lostAmount == nil { dispute.lostAmount = amount }
            default: return false
            }
            disputes[id] = dispute
        }
        return true
    }

    private mutating func rememberSession(_ session: CardPaymentFact.Session) -> Bool {
        guard session.mode == "payment" else { return false }
        if session.clientReferenceID?.isEmpty == false { sessionClientReference = session.clientReferenceID }
        if session.metadataAccount?.isEmpty == false { sessionMetadataAccount = session.metadataAccount }
        return true
    }

    private mutating func announcePaid(_ amount: Int64?, _ currency: String?) {
        // The first paid announcement fixes the amount; the others repeat it. One without an
        // amount or currency says nothing usable: the next announcement will.
        guard paid == nil, let amount, let currency else { return }
        paid = Paid(amount: amount, currency: currency)
    }

    private mutating func recordRefund(_ object: CardPaymentFact.RefundObject) {
        guard let state = RefundState(rawValue: object.status) else { return }
        if let kept = refunds[object.id], kept.state.rank >= state.rank { return }
        refunds[object.id] = Refund(amount: refunds[object.id]?.amount ?? object.amount, state: state)
    }

    /// The distinct accounts the sources name.
    public var namedAccounts: Set<String> {
        Set([paymentIntentMetadataAccount, sessionClientReference, sessionMetadataAccount].compactMap { $0 })
    }

    /// Resolution order: PaymentIntent metadata, session client_reference_id, session metadata.
    public var resolvedAccount: String? {
        paymentIntentMetadataAccount ?? sessionClientReference ?? sessionMetadataAccount
    }

    /// Decides where a paid payment's money goes: credited, or parked with a reason. Once
    /// credited it stays credited; a park that waits for an operator is left to them.
    mutating func decide(_ context: Context) {
        guard creditedTo == nil, park?.waitsForOperator != true, let paid else { return }
        namedAccount = nil
        namedAccountCurrency = nil
        // Checked first: no account at all could hold this money.
        guard let currency = try? Currency(paid.currency), context.walletCurrencies.contains(currency) else {
            return park = .unsupportedCurrency
        }
        // The platform sets every source to the same account; disagreeing sources would make
        // the account depend on which event came first.
        guard namedAccounts.count <= 1 else { return park = .conflictingAccounts }
        guard let named = resolvedAccount else { return park = .missingAccount }
        guard let account = try? AccountID(named), let accountCurrency = context.accounts[account] else {
            namedAccount = named
            return park = .unknownAccount
        }
        guard accountCurrency == currency else {
            namedAccount = named
            namedAccountCurrency = accountCurrency.code
            return park = .currencyMismatch
        }
        guard paid.amount > 0 else { return park = .invalidAmount }
        park = nil
        creditedTo = account
    }
}
