/// Why a JSON-RPC call failed. `isRangeLimit` marks the providers' "too many results / range
/// too wide" answers to `eth_getLogs`, which the scanner answers by halving the range.
public enum RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    case transport(String)
    case timeout
    case http(status: Int)
    /// The node answered a JSON-RPC error object.
    case node(code: Int, message: String)
    case malformed(String)
    /// A batch answer lacked the answer to one of its calls.
    case missingAnswer(id: Int)

    public var kind: String {
        switch self {
        case .transport: "transport"
        case .timeout: "timeout"
        case .http: "http"
        case .node: isRangeLimit ? "range_limit" : "node_error"
        case .malformed: "malformed"
        case .missingAnswer: "missing_answer"
        }
    }

    /// Worth retrying on the same or another endpoint (everything but a malformed answer).
    public var isTransient: Bool {
        switch self {
        case .malformed: false
        case .node: !isRangeLimit
        default: true
        }
    }

    /// Infura -32005 "query returned more than 10000 results", Alchemy -32602 "Log response size
    /// exceeded" / "block range", geth -32000 "… too many …": all mean "ask for less".
    public var isRangeLimit: Bool {
        guard case .node(let code, let message) = self else { return false }
        let text = message.lowercased()
        let wording = ["more than", "too many", "range", "exceed", "limit", "too large", "too wide"].contains { text.contains($0) }
        return code == -32005 || ((code == -32602 || code == -32000 || code == -32600) && wording)
    }

    public var description: String {
        switch self {
        case .transport(let message): "node unreachable: \(message)"
        case .timeout: "node timed out"
        case .http(let status): "node answered HTTP \(status)"
        case .node(let code, let message): "node error \(code): \(message)"
        case .malformed(let message): "malformed node answer: \(message)"
        case .missingAnswer(let id): "batch answer lacks id \(id)"
        }
    }
}
