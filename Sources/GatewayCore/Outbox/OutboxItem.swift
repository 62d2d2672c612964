/// One credit or debit on its way to the wallet: written in the same transaction as the fact
/// that caused it, delivered by the outbox worker, never deleted.
public struct OutboxItem: Sendable, Equatable {
    public var id: Int64
    public var key: IdempotencyKey
    public var account: AccountID
    public var direction: Direction
    public var amount: PositiveCents
    /// The currency of `amount`; nil on rows written before currencies, which meant the
    /// account's (USD), and are posted without one so their requests stay the same.
    public var currency: Currency?
    public var kind: EntryKind
    public var reference: String
    public var description: String
    /// JSON object text carried to the wallet entry unchanged (Stripe ids, tx hash, rate, …).
    public var detailsJSON: String
    /// Refunds and disputes may take a balance below zero: the money may already be spent.
    public var allowNegative: Bool
    public var state: OutboxState
    public var createdAtMillis: Int64

    public init(
        id: Int64, key: IdempotencyKey, account: AccountID, direction: Direction, amount: PositiveCents, currency: Currency? = nil,
        kind: EntryKind, reference: String, description: String, detailsJSON: String, allowNegative: Bool,
        state: OutboxState, createdAtMillis: Int64
    ) {
        self.id = id
        self.key = key
        self.account = account
        self.direction = direction
        self.amount = amount
        self.currency = currency
        self.kind = kind
        self.reference = reference
        self.description = description
        self.detailsJSON = detailsJSON
        self.allowNegative = allowNegative
        self.state = state
        self.createdAtMillis = createdAtMillis
    }
}

/// What a new outbox row carries before the store gives it an id.
public struct OutboxRequest: Sendable, Equatable {
    public var key: IdempotencyKey
    public var account: AccountID
    public var direction: Direction
    public var amount: PositiveCents
    /// The account's currency, posted with the amount: the wallet refuses a mismatch.
    public var currency: Currency
    public var kind: EntryKind
    public var reference: String
    public var description: String
    public var detailsJSON: String
    public var allowNegative: Bool

    public init(
        key: IdempotencyKey, account: AccountID, direction: Direction, amount: PositiveCents, currency: Currency, kind: EntryKind,
        reference: String, description: String, detailsJSON: String = "{}", allowNegative: Bool = false
    ) {
        self.key = key
        self.account = account
        self.direction = direction
        self.amount = amount
        self.currency = currency
        self.kind = kind
        self.reference = reference
        self.description = description
        self.detailsJSON = detailsJSON
        self.allowNegative = allowNegative
    }
}
