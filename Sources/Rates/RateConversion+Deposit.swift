import GatewayCore

/// What to do with a confirmed deposit given the rates we have: convert now, or wait in
/// `awaiting_rate` (never at a stale rate, never dropped).
public enum DepositConversionDecision: Sendable, Equatable {
    case convert(Conversion)
    case awaitRate(reason: String)
    case refuse(reason: String)

    /// - Parameter currency: the account's; the deposit converts at `ASSET/currency`.
    public static func decide(_ amount: TokenAmount, into currency: Currency, book: RateBook, now: Int64) -> DepositConversionDecision {
        let pair = RatePair(asset: amount.asset, quote: currency)
        guard let rate = book.usable(pair, now: now) else {
            let error = book.pairs[pair]?.lastError.map { "; last error: \($0)" } ?? ""
            return .awaitRate(reason: "no usable \(pair.rawValue) rate (none fetched within the allowed age)\(error)")
        }
        do {
            return .convert(try Conversion.convert(amount, at: rate))
        } catch {
            return .refuse(reason: error.message)
        }
    }
}
