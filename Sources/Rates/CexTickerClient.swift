import AsyncHTTPClient
import Foundation
import NIOCore

/// Where prices come from. The gateway uses cex.io's public ticker; tests point it at a
/// local server that answers the documented shapes.
public protocol TickerSource: Sendable {
    var name: String { get }
    /// The pairs the exchange offers.
    func availablePairs() async throws(RateError) -> Set<RatePair>
    /// One pair's price in `field`, with the time we received it.
    func price(_ pair: RatePair, field: String) async throws(RateError) -> DecimalPrice
}

/// cex.io's legacy public REST API: `GET {base}/ticker/{A}/{B}` and `GET {base}/currency_limits`.
/// Price fields are strings, `bid`/`ask` numbers; both parse exactly.
public struct CexTickerClient: TickerSource {
    /// Largest answer read: a ticker is a few hundred bytes, `currency_limits` some tens of KB.
    static let maxResponseBytes = 1 << 20

    public let baseURL: String
    public let timeout: TimeAmount
    let httpClient: HTTPClient

    public var name: String { "cex.io ticker" }

    public init(baseURL: String, timeoutMillis: Int64, httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = .milliseconds(timeoutMillis)
        self.httpClient = httpClient
    }

    public func price(_ pair: RatePair, field: String) async throws(RateError) -> DecimalPrice {
        let object = try await getObject("\(baseURL)/ticker/\(pair.base)/\(pair.quote)")
        guard let value = object[field], let price = value.decimal, !price.isZero else { throw .missingField(field) }
        return price
    }

    public func availablePairs() async throws(RateError) -> Set<RatePair> {
        let object = try await getObject("\(baseURL)/currency_limits")
        guard case .object(let data)? = object["data"], case .array(let rows)? = data["pairs"] else {
            throw .malformed("currency_limits has no data.pairs")
        }
        var pairs: Set<RatePair> = []
        for case .object(let row) in rows {
            if let base = row["symbol1"]?.text, let quote = row["symbol2"]?.text,
               let pair = RatePair(rawValue: "\(base.uppercased())/\(quote.uppercased())") {
                pairs.insert(pair)
            }
        }
        return pairs
    }

    private func getObject(_ url: String) async throws(RateError) -> [String: TickerValue] {
        let request = HTTPClientRequest(url: url)
        let body: ByteBuffer
        let status: UInt
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            status = response.status.code
            body = try await response.body.collect(upTo: Self.maxResponseBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw .timeout
        } catch {
            throw .transport(String(describing: error))
        }
        if status == 429 { throw .rateLimited }
        let object: [String: TickerValue]
        do {
            object = try JSONDecoder().decode([String: TickerValue].self, from: Data(body.readableBytesView))
        } catch {
            guard status == 200 else { throw .http(status: Int(status)) }
            throw .malformed("not a JSON object")
        }
        if let message = object["error"]?.text {
            throw message.lowercased().contains("limit") ? .rateLimited : .exchange(message)
        }
        guard status == 200 else { throw .http(status: Int(status)) }
        return object
    }
}

/// A JSON value as cex.io sends it: numbers keep their exact digits (decoded as `Decimal`,
/// which Foundation reads from the text, then re-parsed as a `DecimalPrice`).
indirect enum TickerValue: Decodable, Sendable {
    case text(String)
    case number(String)
    case object([String: TickerValue])
    case array([TickerValue])
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) { self = .text(string) }
        else if let decimal = try? container.decode(Decimal.self) { self = .number(decimal.description) }
        else if let object = try? container.decode([String: TickerValue].self) { self = .object(object) }
        else if let array = try? container.decode([TickerValue].self) { self = .array(array) }
        else { self = .other }
    }

    var text: String? { if case .text(let value) = self { value } else { nil } }

    /// A price written as a string ("17420") or a number (17400.04).
    var decimal: DecimalPrice? {
        switch self {
        case .text(let value), .number(let value): DecimalPrice(value)
        default: nil
        }
    }
}
