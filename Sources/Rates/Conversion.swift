import BigInt
import GatewayCore

/// A crypto amount converted to the rate's quote currency (the account's) at a recorded rate:
/// the minor units credited (rounded down) and the exact product kept for audit.
public struct Conversion: Sendable, Equatable {
    public let amount: Money
    /// The exact value in the quote currency, as decimal text (`units / 10^decimals × price`).
    public let exact: String
    public let rate: Rate

    /// Converts exactly: minor = ⌊units × price × 10^minorUnits / 10^(decimals + price.scale)⌋.
    /// Throws when the result does not fit 64-bit minor units (no real deposit comes near).
    public static func convert(_ amount: TokenAmount, at rate: Rate) throws(DomainError) -> Conversion {
        let units = BigUInt(String(amount.units), radix: 10) ?? 0
        let product = units * rate.price.mantissa
        let exactScale = amount.asset.decimals + rate.price.scale
        let minor = product * BigUInt(10).power(rate.pair.quote.minorUnits) / BigUInt(10).power(exactScale)
        guard minor <= BigUInt(Int64.max) else {
            throw DomainError(.overflow, "converted amount exceeds 64-bit minor units")
        }
        return Conversion(
            amount: Money(Int64(minor), rate.pair.quote),
            exact: DecimalPrice(mantissa: product, scale: exactScale).description,
            rate: rate
        )
    }
}
