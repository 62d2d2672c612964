/// An amount of one currency, in its minor units (cents for USD and EUR, yen for JPY). Signed:
/// ledger effects are negative for debits.
///
/// Currencies are configuration (`WALLET_CURRENCIES`), so they cannot be told apart by type at
/// compile time; instead no amount travels without its currency, and this type's arithmetic,
/// the only arithmetic on wallet money, refuses to mix two currencies. Overflow is an error,
/// never a wrap or a trap.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minor: Int64
    public let currency: Currency

    public init(_ minor: Int64, _ currency: Currency) {
        self.minor = minor
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(0, currency) }

    public static func + (lhs: Money, rhs: Money) throws(DomainError) -> Money {
        try lhs.sameCurrency(rhs)
        let (sum, overflow) = lhs.minor.addingReportingOverflow(rhs.minor)
        guard !overflow else { throw DomainError(.overflow, "amount overflows 64-bit minor units") }
        return Money(sum, lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) throws(DomainError) -> Money {
        try lhs.sameCurrency(rhs)
        let (difference, overflow) = lhs.minor.subtractingReportingOverflow(rhs.minor)
        guard !overflow else { throw DomainError(.overflow, "amount overflows 64-bit minor units") }
        return Money(difference, lhs.currency)
    }

    public func negated() throws(DomainError) -> Money {
        guard minor != .min else { throw DomainError(.overflow, "amount overflows 64-bit minor units") }
        return Money(-minor, currency)
    }

    private func sameCurrency(_ other: Money) throws(DomainError) {
        guard currency == other.currency else {
            throw DomainError(.currencyMismatch, "cannot combine \(currency) and \(other.currency)")
        }
    }

    /// `"12.34 EUR"`, for humans; machines get `minor` and `currency`.
    public var description: String { "\(currency.format(minor)) \(currency.code)" }
    /// `"12.34"`, for tables with a currency column.
    public var formatted: String { currency.format(minor) }
}
