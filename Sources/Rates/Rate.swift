import GatewayCore

/// A trading pair whose price converts a deposit of `asset` to an account's `quote` currency,
/// written as cex.io does (`ETH/EUR`).
public struct RatePair: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let asset: Asset
    public let quote: Currency

    public init(asset: Asset, quote: Currency = .usd) {
        self.asset = asset
        self.quote = quote
    }

    public static let ethUSD = RatePair(asset: .eth, quote: .usd)
    public static let usdtUSD = RatePair(asset: .usdt, quote: .usd)
    public static let ethEUR = RatePair(asset: .eth, quote: .eur)
    public static let usdtEUR = RatePair(asset: .usdt, quote: .eur)

    /// `ETH/USD`; `nil` for a pair of anything else.
    public init?(rawValue: String) {
        let parts = rawValue.split(separator: "/")
        guard parts.count == 2, let asset = Asset(rawValue: String(parts[0]).uppercased()),
              let quote = try? Currency(String(parts[1])) else { return nil }
        self.init(asset: asset, quote: quote)
    }

    public var rawValue: String { "\(asset.rawValue)/\(quote.code)" }
    public var description: String { rawValue }
    public var base: String { asset.rawValue }

    /// The pairs that converting every asset into `currencies` needs, in a stable order.
    public static func needed(for currencies: Set<Currency>) -> [RatePair] {
        currencies.sorted().flatMap { quote in Asset.allCases.map { RatePair(asset: $0, quote: quote) } }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let pair = RatePair(rawValue: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown pair \(raw)"))
        }
        self = pair
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
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
