import Crypto
import Foundation

/// One operator's console credential: the name the console shows and audits under, and the
/// token they sign in with. Operators' tokens are their own, never the platform's.
public struct OperatorToken: Sendable {
    /// Shorter tokens are guessable; the console shows every account's money.
    public static let minimumLength = 16

    public let name: OperatorName
    public let token: Secret

    public init(name: OperatorName, token: Secret) {
        self.name = name
        self.token = token
    }

    /// What a session remembers of the token it was opened with: a session outlives neither
    /// the operator's removal nor a new token.
    var fingerprint: String {
        Digest.sha256Hex("console-session\u{0}\(name.rawValue)\u{0}\(token.value)")
    }

    static func parse(_ text: String?, internalTokens: [Secret]) throws(ConfigError) -> [OperatorToken] {
        guard let text, !text.isEmpty else { return [] }
        var parsed: [OperatorToken] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ConfigError(key: "GATEWAY_OPERATOR_TOKENS", problem: "every entry must be name:token")
            }
            let name: OperatorName
            do { name = try OperatorName(String(parts[0])) } catch {
                throw ConfigError(key: "GATEWAY_OPERATOR_TOKENS", problem: "operator name \(error.problem)")
            }
            let token = String(parts[1])
            guard token.utf8.count >= minimumLength else {
                throw ConfigError(key: "GATEWAY_OPERATOR_TOKENS", problem: "\(name)'s token must be at least \(minimumLength) characters")
            }
            guard !internalTokens.contains(where: { $0.matches(Array(token.utf8)) }) else {
                throw ConfigError(key: "GATEWAY_OPERATOR_TOKENS", problem: "\(name)'s token is also an internal API token; operators need their own")
            }
            guard !parsed.contains(where: { $0.token.matches(Array(token.utf8)) }) else {
                throw ConfigError(key: "GATEWAY_OPERATOR_TOKENS", problem: "\(name)'s token is another operator's too; each needs their own")
            }
            guard !parsed.contains(where: { $0.name == name }) else {
                throw ConfigError(key: "GATEWAY_OPERATOR_TOKENS", problem: "operator \(name) is listed twice")
            }
            parsed.append(OperatorToken(name: name, token: Secret(token)))
        }
        return parsed
    }
}
