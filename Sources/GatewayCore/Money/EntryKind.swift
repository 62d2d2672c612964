/// What a wallet ledger entry records. The wire form is the raw value.
public enum EntryKind: String, Sendable, Hashable, CaseIterable, Codable {
    case cardTopup = "card_topup"
    case cryptoTopup = "crypto_topup"
    case refund
    case dispute
    case disputeReversal = "dispute_reversal"
    /// A refund that failed after it was debited gives the money back.
    case refundReversal = "refund_reversal"
    case usage
    case adjustment

    public init(wire: String) throws(DomainError) {
        guard let kind = EntryKind(rawValue: wire) else {
            let allowed = EntryKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw DomainError(.invalidKind, "kind must be one of: \(allowed)")
        }
        self = kind
    }
}

/// Whether an entry adds to or takes from the balance.
public enum Direction: String, Sendable, Hashable, Codable {
    case credit
    case debit
}
