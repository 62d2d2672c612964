/// A wallet account: one currency, chosen at creation and never changed; its balance is the
/// sum of its ledger.
public struct Account: Sendable, Equatable {
    public let id: AccountID
    public let balance: Money
    public let createdAtMillis: Int64

    public init(id: AccountID, balance: Money, createdAtMillis: Int64) {
        self.id = id
        self.balance = balance
        self.createdAtMillis = createdAtMillis
    }

    public var currency: Currency { balance.currency }
}

/// One applied, immutable ledger entry.
public struct LedgerEntry: Sendable, Equatable {
    public let id: Int64
    public let account: AccountID
    public let key: IdempotencyKey
    public let kind: EntryKind
    /// Signed: negative for debits. In the account's currency, as is `balanceAfter`.
    public let amount: Money
    public let balanceAfter: Money
    public let reference: String
    public let description: String
    public let detailsJSON: String
    public let createdAtMillis: Int64

    public init(
        id: Int64, account: AccountID, key: IdempotencyKey, kind: EntryKind, amount: Money, balanceAfter: Money,
        reference: String, description: String, detailsJSON: String, createdAtMillis: Int64
    ) {
        self.id = id
        self.account = account
        self.key = key
        self.kind = kind
        self.amount = amount
        self.balanceAfter = balanceAfter
        self.reference = reference
        self.description = description
        self.detailsJSON = detailsJSON
        self.createdAtMillis = createdAtMillis
    }

    /// The public id form, also the history cursor.
    public var publicID: String { "ent_\(id)" }

    public static func parsePublicID(_ text: String) -> Int64? {
        guard text.hasPrefix("ent_") else { return nil }
        return Int64(text.dropFirst(4))
    }
}

/// A validated request to post one entry.
public struct LedgerPost: Sendable, Equatable {
    public let account: AccountID
    public let key: IdempotencyKey
    public let direction: Direction
    public let amount: PositiveCents
    /// The currency the caller meant; nil means the account's. A request in another currency
    /// than the account's is refused, never converted.
    public let currency: Currency?
    public let kind: EntryKind
    public let reference: String
    public let description: String
    /// Canonical JSON text (sorted keys), so the same details hash the same.
    public let detailsJSON: String
    public let allowNegative: Bool
    /// A digest of every field above but the key and the currency: the same key with another
    /// hash is a conflict. The currency is left out because an accepted request's currency is
    /// always the account's, so a replay that omits it (an outbox row written before
    /// currencies) is the same request.
    public let requestHash: String

    public init(
        account: AccountID, key: IdempotencyKey, direction: Direction, amount: PositiveCents, currency: Currency? = nil,
        kind: EntryKind, reference: String, description: String, detailsJSON: String, allowNegative: Bool, requestHash: String
    ) {
        self.account = account
        self.key = key
        self.direction = direction
        self.amount = amount
        self.currency = currency
        self.kind = kind
        self.reference = reference
        self.description = description
        self.detailsJSON = detailsJSON
        self.allowNegative = allowNegative
        self.requestHash = requestHash
    }

    /// The signed effect on a balance of `currency`.
    public func signedAmount(in currency: Currency) -> Money { Money(direction == .credit ? amount.value : -amount.value, currency) }
}

/// What posting an entry came to. Each case maps to one HTTP answer at the edge.
public enum PostResult: Sendable, Equatable {
    case created(LedgerEntry)
    /// The key was applied before with the same request: the first result, unchanged.
    case replayed(LedgerEntry)
    case idempotencyConflict(existing: LedgerEntry)
    case unknownAccount
    /// The request named a currency the account does not hold.
    case currencyMismatch(account: Currency, requested: Currency)
    case insufficientFunds(balance: Money)
    case overflow
}

/// The pure rule for a balance change, tested without a database.
public enum BalanceRule {
    public static func apply(_ post: LedgerPost, to balance: Money) -> Result<Money, BalanceRefusal> {
        if let requested = post.currency, requested != balance.currency { return .failure(.currencyMismatch) }
        let next: Money
        do { next = try balance + post.signedAmount(in: balance.currency) } catch { return .failure(.overflow) }
        if post.direction == .debit, next.minor < 0, !post.allowNegative {
            return .failure(.insufficientFunds)
        }
        return .success(next)
    }

    public enum BalanceRefusal: Error, Sendable { case overflow, insufficientFunds, currencyMismatch }
}
