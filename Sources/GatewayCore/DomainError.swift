/// The domain's closed set of validation and arithmetic failures.
///
/// HTTP status mapping happens at the HTTP edge; here we only say what is wrong.
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidAccountID = "invalid_account_id"
        case invalidAmount = "invalid_amount"
        case overflow = "overflow"
        case invalidIdempotencyKey = "invalid_idempotency_key"
        case invalidCurrency = "invalid_currency"
        case currencyMismatch = "currency_mismatch"
        case invalidKind = "invalid_kind"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
