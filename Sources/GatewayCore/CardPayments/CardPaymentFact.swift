/// What one Stripe event says about one payment, reduced to the fields the rules read.
///
/// The Stripe module turns raw events into these; the payment state machine consumes them.
/// Amounts are integer cents as Stripe sends them; currencies are lowercase ISO codes.
public enum CardPaymentFact: Sendable, Equatable, Codable {
    case sessionCompleted(Session)
    case sessionAsyncSucceeded(Session)
    case sessionAsyncFailed(Session)
    case sessionExpired(Session)
    case paymentIntentSucceeded(amountReceived: Int64, currency: String, metadataAccount: String?)
    /// `charge.refunded`: `amount_refunded` is cumulative over the charge's refunds.
    case chargeRefunded(cumulativeRefunded: Int64)
    /// `refund.created` / `refund.updated`: only `succeeded` refunds move money.
    case refund(id: String, amount: Int64, status: String)
    /// `charge.dispute.created` / `charge.dispute.funds_withdrawn`.
    case disputeOpened(id: String, amount: Int64)
    /// `charge.dispute.funds_reinstated`, or `charge.dispute.closed` as `won`/`warning_closed`.
    case disputeWon(id: String, amount: Int64)
    /// `charge.dispute.closed` as `lost`.
    case disputeLost(id: String, amount: Int64)

    public struct Session: Sendable, Equatable, Codable {
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

    /// Refunds and disputes: they move money only once the payment is credited, and wait
    /// until it is known.
    public var isFollowUp: Bool {
        switch self {
        case .chargeRefunded, .refund, .disputeOpened, .disputeWon, .disputeLost: true
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
    public let key: String
    public let account: String
    /// Signed cents: positive credits, negative debits.
    public let amountCents: Int64
    public let kind: EntryKind
    /// The Stripe object the effect is about (pi_, re_, dp_).
    public let stripeObject: String
}

/// What applying an event did, recorded on the inbox row.
public enum CardPaymentOutcome: String, Sendable, Equatable {
    case applied
    case parked
    /// A refund or dispute kept until its payment is known.
    case waiting
    /// Understood, and nothing to do (e.g. the second announcement of one payment).
    case ignored
}
