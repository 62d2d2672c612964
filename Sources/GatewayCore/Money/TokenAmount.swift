/// An on-chain amount in an asset's smallest unit: wei for ETH (scale 18), units for USDT (scale 6).
///
/// `UInt128` holds every real amount: all ETH in existence is about 1.2e26 wei (< 2^87) and
/// USDT's supply is far below 2^128 units. A uint256 above that range is refused at the edge
/// rather than truncated, and such a deposit is parked for an operator.
public struct TokenAmount: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let asset: Asset
    // Stored as two 64-bit halves, not `UInt128`: with this toolchain a `UInt128` kept across an
    // `await` crashed at run time (16-byte alignment in async frames). Arithmetic stays in
    // synchronous code through `units`.
    private let high: UInt64
    private let low: UInt64

    public var units: UInt128 { UInt128(high) << 64 | UInt128(low) }

    public init(_ units: UInt128, _ asset: Asset) {
        self.high = UInt64(truncatingIfNeeded: units >> 64)
        self.low = UInt64(truncatingIfNeeded: units)
        self.asset = asset
    }

    /// Exact decimal text of the smallest unit, as stored (never floating point).
    public var unitsText: String { String(units) }

    /// Parses the stored decimal text; anything but plain digits is refused.
    public init(unitsText text: Substring, asset: Asset) throws(DomainError) {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let units = UInt128(text) else {
            throw DomainError(.invalidAmount, "amount must be decimal digits within 128 bits")
        }
        self.init(units, asset)
    }

    public static func + (lhs: TokenAmount, rhs: TokenAmount) throws(DomainError) -> TokenAmount {
        precondition(lhs.asset == rhs.asset, "adding amounts of different assets is a programming error")
        let (sum, overflow) = lhs.units.addingReportingOverflow(rhs.units)
        guard !overflow else { throw DomainError(.overflow, "token amount overflows 128 bits") }
        return TokenAmount(sum, lhs.asset)
    }

    public static func < (lhs: TokenAmount, rhs: TokenAmount) -> Bool { lhs.units < rhs.units }

    /// `"1.5 ETH"` style with every significant decimal, for humans.
    public var description: String {
        let divisor = UInt128(10).power(asset.decimals)
        let whole = units / divisor
        var fraction = String(units % divisor)
        fraction = String(repeating: "0", count: asset.decimals - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole) \(asset.rawValue)" : "\(whole).\(fraction) \(asset.rawValue)"
    }
}

/// The crypto assets the gateway accepts, with their on-chain scale.
public enum Asset: String, Sendable, Hashable, CaseIterable, Codable {
    case eth = "ETH"
    case usdt = "USDT"

    public var decimals: Int {
        switch self {
        case .eth: 18
        case .usdt: 6
        }
    }
}

extension UInt128 {
    /// Integer power for small exponents (scales up to 18); overflow traps, which only a
    /// programming error can cause here.
    func power(_ exponent: Int) -> UInt128 {
        var result: UInt128 = 1
        for _ in 0..<exponent { result *= self }
        return result
    }
}
