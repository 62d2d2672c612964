/// A wallet account: USD only, balance derived from its ledger.
public struct Account: Sendable, Equatable {
    public static let currency = "USD"

    public let id: AccountID
    public let balance: Cents
    public let createdAtMillis: Int64

    public init(id: AccountID, balance: Cents, createdAtMillis: Int64) {
        self.id = id
        self.balance = balance
        self.createdAtMillis = createdAtMillis
    }
}

/// One applied, immutable ledger entry.
public struct LedgerEntry: Sendable, Equatable {
    public let id: Int64
    public let account: AccountID
    public let key: IdempotencyKey
    public let kind: EntryKind
    /// Signed: negative for debits.
    public let amount: Cents
    public let balanceAfter: Cents
    public let reference: String
    public let description: String
    public let detailsJSON: String
    public let createdAtMillis: Int64

    public init(
        id: Int64, account: AccountID, key: IdempotencyKey, kind: EntryKind, amount: Cents, balanceAfter: Cents,
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
    public let kind: EntryKind
    public let reference: String
    public let description: String
    /// Canonical JSON text (sorted keys), so the same details hash the same.
    public let detailsJSON: String
    public let allowNegative: Bool
    /// A digest of every field above but the key: the same key with another hash is a conflict.
    public let requestHash: String

    public init(
        account: AccountID, key: IdempotencyKey, direction: Direction, amount: PositiveCents, kind: EntryKind,
        reference: String, description: String, detailsJSON: String, allowNegative: Bool, requestHash: String
    ) {
        self.account = account
        self.key = key
        self.direction = direction
        self.amount = amount
        self.kind = kind
        self.reference = reference
        self.description = description
        self.detailsJSON = detailsJSON
        self.allowNegative = allowNegative
        self.requestHash = requestHash
    }

    /// The signed effect on the balance.
    public var signedAmount: Cents { direction == .credit ? amount.cents : Cents(-amount.value) }
}

/// What posting an entry came to. Each case maps to one HTTP answer at the edge.
public enum PostResult: Sendable, Equatable {
    case created(LedgerEntry)
    /// The key was applied before with the same request: the first result, unchanged.
    case replayed(LedgerEntry)
    case idempotencyConflict(existing: LedgerEntry)
    case unknownAccount
    case insufficientFunds(balance: Cents)
    case overflow
}

/// The pure rule for a balance change, tested without a database.
public enum BalanceRule {
    public static func apply(_ post: LedgerPost, to balance: Cents) -> Result<Cents, BalanceRefusal> {
        let next: Cents
        do { next = try balance + post.signedAmount } catch { return .failure(.overflow) }
        if post.direction == .debit, next.value < 0, !post.allowNegative {
            return .failure(.insufficientFunds)
        }
        return .success(next)
    }

    public enum BalanceRefusal: Error, Sendable { case overflow, insufficientFunds }
}
