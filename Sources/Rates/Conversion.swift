import BigInt
import GatewayCore

/// A crypto amount converted to USD at a recorded rate: the cents credited (rounded down) and
/// the exact product kept for audit.
public struct Conversion: Sendable, Equatable {
    public let cents: Cents
    /// The exact USD value, as decimal text (`units / 10^decimals × price`).
    public let exactUSD: String
    public let rate: Rate

    /// Converts exactly: cents = ⌊units × price × 100 / 10^(decimals + price.scale)⌋.
    /// Throws when the result does not fit 64-bit cents (no real deposit comes near).
    public static func convert(_ amount: TokenAmount, at rate: Rate) throws(DomainError) -> Conversion {
        let units = BigUInt(String(amount.units), radix: 10) ?? 0
        let product = units * rate.price.mantissa
        let exactScale = amount.asset.decimals + rate.price.scale
        let cents = product * 100 / BigUInt(10).power(exactScale)
        guard cents <= BigUInt(Int64.max) else {
            throw DomainError(.overflow, "converted amount exceeds 64-bit cents")
        }
        return Conversion(
            cents: Cents(Int64(cents)),
            exactUSD: DecimalPrice(mantissa: product, scale: exactScale).description,
            rate: rate
        )
    }
}
