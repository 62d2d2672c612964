/// An integer number of minor units whose currency is known from context (a deposit's credit
/// currency, a payment's currency). Named for the first currency; amounts that cross the wallet
/// are `Money`, which carries its currency. Signed: ledger effects are negative for debits.
///
/// Arithmetic is checked; an overflow is a `DomainError`, never a wrap or a trap.
public struct Cents: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public static let scale = 2
    public static let zero = Cents(0)

    public let value: Int64

    public init(_ value: Int64) { self.value = value }

    public static func + (lhs: Cents, rhs: Cents) throws(DomainError) -> Cents {
        let (sum, overflow) = lhs.value.addingReportingOverflow(rhs.value)
        guard !overflow else { throw DomainError(.overflow, "amount overflows 64-bit cents") }
        return Cents(sum)
    }

    public static func - (lhs: Cents, rhs: Cents) throws(DomainError) -> Cents {
        let (difference, overflow) = lhs.value.subtractingReportingOverflow(rhs.value)
        guard !overflow else { throw DomainError(.overflow, "amount overflows 64-bit cents") }
        return Cents(difference)
    }

    public func negated() throws(DomainError) -> Cents {
        guard value != .min else { throw DomainError(.overflow, "amount overflows 64-bit cents") }
        return Cents(-value)
    }

    public static func < (lhs: Cents, rhs: Cents) -> Bool { lhs.value < rhs.value }

    /// `"12.34"` style, for humans; machines get the integer.
    public var description: String {
        let magnitude = value.magnitude
        let sign = value < 0 ? "-" : ""
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public init(from decoder: any Decoder) throws {
        self.value = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A strictly positive amount of minor units, as every credit and debit request carries; its
/// currency travels beside it.
public struct PositiveCents: Hashable, Sendable, CustomStringConvertible {
    public let cents: Cents

    public init(_ value: Int64) throws(DomainError) {
        guard value > 0 else { throw DomainError(.invalidAmount, "the amount must be greater than 0") }
        self.cents = Cents(value)
    }

    public var value: Int64 { cents.value }
    public var description: String { cents.description }
}
