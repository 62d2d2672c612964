import BigInt

/// An exact, non-negative decimal number: `mantissa × 10^-scale`. Prices arrive as decimal
/// text and stay exact from parsing to the cent; no binary floating point anywhere.
public struct DecimalPrice: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Most significant digits accepted; far beyond any exchange's precision, small enough that
    /// a hostile answer cannot make us multiply huge numbers.
    public static let maxDigits = 40

    public let mantissa: BigUInt
    public let scale: Int

    public init(mantissa: BigUInt, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
    }

    /// Parses `123`, `123.45`, `0.000001`; refuses signs, exponents, spaces and empty parts.
    public init?(_ input: some StringProtocol) {
        let text = String(input)
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty else { return nil }
        let digits = String(whole) + String(fraction)
        guard digits.count <= Self.maxDigits, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let mantissa = BigUInt(digits, radix: 10) else { return nil }
        self.init(mantissa: mantissa, scale: fraction.count)
    }

    public static let one = DecimalPrice(mantissa: 1, scale: 0)

    public var isZero: Bool { mantissa.isZero }

    /// The plain decimal text, trailing zeros of the fraction kept as given.
    public var description: String {
        var digits = String(mantissa)
        guard scale > 0 else { return digits }
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -scale)
        return "\(digits[..<split]).\(digits[split...])"
    }

    /// Both numbers over a common scale.
    static func aligned(_ lhs: DecimalPrice, _ rhs: DecimalPrice) -> (BigUInt, BigUInt) {
        let scale = max(lhs.scale, rhs.scale)
        return (lhs.mantissa * BigUInt(10).power(scale - lhs.scale), rhs.mantissa * BigUInt(10).power(scale - rhs.scale))
    }

    public static func < (lhs: DecimalPrice, rhs: DecimalPrice) -> Bool {
        let (a, b) = aligned(lhs, rhs)
        return a < b
    }

    public static func == (lhs: DecimalPrice, rhs: DecimalPrice) -> Bool {
        let (a, b) = aligned(lhs, rhs)
        return a == b
    }

    public func hash(into hasher: inout Hasher) {
        // Equal values with different scales must hash alike: hash the normalized form.
        var m = mantissa, s = scale
        while s > 0, m % 10 == 0 { m /= 10; s -= 1 }
        hasher.combine(m)
        hasher.combine(s)
    }

    /// Whether `other` is more than `percent`% away from `self` (exact: |other − self| × 100 > percent × self).
    public func deviates(_ other: DecimalPrice, byMoreThan percent: DecimalPrice) -> Bool {
        let (base, candidate) = Self.aligned(self, other)
        let difference = base > candidate ? base - candidate : candidate - base
        // difference/base > percent/100  ⇔  difference × 100 × 10^p.scale > percent.mantissa × base
        return difference * 100 * BigUInt(10).power(percent.scale) > percent.mantissa * base
    }
}
