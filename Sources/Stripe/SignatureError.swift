/// Why a webhook's `Stripe-Signature` was refused. The reason is short and safe to return to
/// the caller: it never includes a secret or the expected signature.
public enum SignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingHeader
    case malformedHeader
    case noV1Signature
    case noMatch
    case timestampOutOfTolerance
    case noSecretsConfigured

    /// Stable label for metrics and the error code.
    public var reason: String {
        switch self {
        case .missingHeader: "missing_header"
        case .malformedHeader: "malformed_header"
        case .noV1Signature: "no_v1"
        case .noMatch: "no_match"
        case .timestampOutOfTolerance: "timestamp_out_of_tolerance"
        case .noSecretsConfigured: "not_configured"
        }
    }

    public var description: String {
        switch self {
        case .missingHeader: "missing Stripe-Signature header"
        case .malformedHeader: "malformed Stripe-Signature header"
        case .noV1Signature: "no v1 signature in Stripe-Signature header"
        case .noMatch: "no signature matches the payload"
        case .timestampOutOfTolerance: "signature timestamp outside the tolerance"
        case .noSecretsConfigured: "webhook signing secret not configured"
        }
    }
}
