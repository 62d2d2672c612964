/// Why fetching a rate failed. Logged and counted; never a crash, never a stale conversion.
public enum RateError: Error, Sendable, Equatable, CustomStringConvertible {
    case transport(String)
    case timeout
    case rateLimited
    case http(status: Int)
    /// The exchange answered `{"error": …}`.
    case exchange(String)
    case malformed(String)
    /// The configured price field is absent or not a positive decimal.
    case missingField(String)
    case unknownPair(RatePair)

    /// Stable label for metrics.
    public var kind: String {
        switch self {
        case .transport: "transport"
        case .timeout: "timeout"
        case .rateLimited: "rate_limited"
        case .http: "http"
        case .exchange: "exchange_error"
        case .malformed: "malformed"
        case .missingField: "missing_field"
        case .unknownPair: "unknown_pair"
        }
    }

    public var description: String {
        switch self {
        case .transport(let message): "cex.io unreachable: \(message)"
        case .timeout: "cex.io timed out"
        case .rateLimited: "cex.io rate limit (429)"
        case .http(let status): "cex.io answered HTTP \(status)"
        case .exchange(let message): "cex.io error: \(message)"
        case .malformed(let message): "cex.io answer malformed: \(message)"
        case .missingField(let field): "cex.io ticker has no usable '\(field)' price"
        case .unknownPair(let pair): "cex.io does not offer \(pair.rawValue)"
        }
    }
}
