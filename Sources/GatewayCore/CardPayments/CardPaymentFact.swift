/// What one Stripe event says about one payment, reduced to the fields the rules read.
///
/// The Stripe module turns raw events into these; the payment state machine consumes them.
/// Amounts are integer cents as Stripe sends them; currencies are lowercase ISO codes.
public enum CardPaymentFact: Sendable, Equatable {
    case sessionCompleted(Session)
    case sessionAsyncSucceeded(Session)
    case sessionAsyncFailed(Session)
    case sessionExpired(Session)
    case paymentIntentSucceeded(amountReceived: Int64, currency: String, metadataAccount: String?)
    /// `charge.refunded`: `amount_refunded` is cumulative over the charge's refunds and counts
    /// pending ones, so it is kept for display and never moves money. Older API versions embed
    /// the charge's refund objects, which count as refund facts.
    case chargeRefunded(charge: String?, cumulativeRefunded: Int64, refunds: [RefundObject])
    /// `refund.created` / `refund.updated` / `refund.failed` / `charge.refund.updated`.
    case refund(RefundObject)
    /// `charge.dispute.created`: records the dispute; Stripe takes no money with it.
    case disputeCreated(id: String, amount: Int64, status: String?)
    /// `charge.dispute.funds_withdrawn`: the disputed amount left the balance.
    case disputeFundsWithdrawn(id: String, amount: Int64)
    /// `charge.dispute.funds_reinstated`: it came back.
    case disputeFundsReinstated(id: String, amount: Int64)
    /// `charge.dispute.closed` with its final status (`won`, `lost`, `warning_closed`).
    case disputeClosed(id: String, amount: Int64, status: String)

    public struct Session: Sendable, Equatable {
        public var mode: String?
        public var paymentStatus: String?
        public var amountTotal: Int64?
        public var currency: String?
        public var clientReferenceID: String?
        public var metadataAccount: String?

        public init(
            mode: String?, paymentStatus: String?, amountTotal: Int64?, currency: String?, clientReferenceID: String?,
            metadataAccount: String?
        ) {
            self.mode = mode
            self.paymentStatus = paymentStatus
            self.amountTotal = amountTotal
            self.currency = currency
            self.clientReferenceID = clientReferenceID
            self.metadataAccount = metadataAccount
        }
    }

    /// One Stripe Refund object's id, amount and status.
    public struct RefundObject: Sendable, Equatable {
        public var id: String
        public var amount: Int64
        public var status: String

        public init(id: String, amount: Int64, status: String) {
            self.id = id
            self.amount = amount
            self.status = status
        }
    }

    /// The refund and dispute ids the fact names; each may become an idempotency key.
    public var objectIDs: [String] {
        switch self {
        case .chargeRefunded(_, _, let refunds): refunds.map(\.id)
        case .refund(let refund): [refund.id]
        case .disputeCreated(let id, _, _), .disputeFundsWithdrawn(let id, _), .disputeFundsReinstated(let id, _),
             .disputeClosed(let id, _, _): [id]
        default: []
        }
    }

    /// Refunds and disputes: recorded whenever they arrive; they move money only while the
    /// payment is credited.
    public var isFollowUp: Bool {
        switch self {
        case .chargeRefunded, .refund, .disputeCreated, .disputeFundsWithdrawn, .disputeFundsReinstated, .disputeClosed: true
        default: false
        }
    }
}

/// One verified event about one payment.
public struct CardPaymentInput: Sendable, Equatable {
    public let eventID: String
    public let paymentIntent: String
    public let livemode: Bool
    public let fact: CardPaymentFact

    public init(eventID: String, paymentIntent: String, livemode: Bool, fact: CardPaymentFact) {
        self.eventID = eventID
        self.paymentIntent = paymentIntent
        self.livemode = livemode
        self.fact = fact
    }
}

/// A wallet effect the machine asks for; the caller turns it into an outbox row.
public struct CardPaymentEffect: Sendable, Equatable {
    public let key: IdempotencyKey
    public let account: AccountID
    /// Signed minor units of `currency`: positive credits, negative debits.
    public let amountCents: Int64
    /// The payment's currency, which is the account's: a payment in another is never credited.
    public let currency: Currency
    public let kind: EntryKind
    /// The Stripe object the effect is about (pi_, re_, dp_).
    public let stripeObject: String

    public init(key: IdempotencyKey, account: AccountID, amountCents: Int64, currency: Currency, kind: EntryKind, stripeObject: String) {
        self.key = key
        self.account = account
        self.amountCents = amountCents
        self.currency = currency
        self.kind = kind
        self.stripeObject = stripeObject
    }
}

/// What applying an event did, recorded on the inbox row.
public enum CardPaymentOutcome: String, Sendable, Equatable {
    case applied
    case parked
    /// A refund or dispute recorded before its payment is credited; it counts once it is.
    case waiting
    /// Understood, and nothing to do (e.g. the second announcement of one payment).
    case ignored
}
