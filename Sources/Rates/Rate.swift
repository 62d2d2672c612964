import GatewayCore

/// A trading pair whose price converts a deposit to USD.
public enum RatePair: String, Sendable, Hashable, CaseIterable, Codable {
    case ethUSD = "ETH/USD"
    case usdtUSD = "USDT/USD"

    public init(asset: Asset) {
        switch asset {
        case .eth: self = .ethUSD
        case .usdt: self = .usdtUSD
        }
    }

    public var base: String { String(rawValue.prefix { $0 != "/" }) }
    public var quote: String { String(rawValue.drop { $0 != "/" }.dropFirst()) }
}

/// One accepted price with everything a conversion records: pair, field, price, when it was
/// fetched, and where it came from (`cex.io ticker`, or `peg` under `USDT_USD_POLICY=peg`).
public struct Rate: Sendable, Equatable {
    public let pair: RatePair
    public let field: String
    public let price: DecimalPrice
    public let fetchedAtMillis: Int64
    public let source: String

    public init(pair: RatePair, field: String, price: DecimalPrice, fetchedAtMillis: Int64, source: String) {
        self.pair = pair
        self.field = field
        self.price = price
        self.fetchedAtMillis = fetchedAtMillis
        self.source = source
    }

    public func ageMillis(now: Int64) -> Int64 { max(0, now - fetchedAtMillis) }
}
