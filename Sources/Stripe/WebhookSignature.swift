import Crypto

/// Verifies and creates `Stripe-Signature` headers the way Stripe's SDKs do, with two
/// deliberate differences: several secrets (rotation, test and live side by side) and a
/// two-sided tolerance (a timestamp too far in the future is refused as well).
///
/// Header: `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`. Signature: HMAC-SHA256 with the
/// whole secret string (including `whsec_`) as key, over `"<t>." + raw body bytes`.
public struct WebhookSignature: Sendable {
    /// Longest header accepted: a timestamp and a handful of signatures fit in far less.
    public static let maxHeaderLength = 4096
    /// Stripe's own default.
    public static let defaultTolerance: Int64 = 300

    /// Secret bytes; a `SymmetricKey` is made per verification (swift-crypto 3's is not Sendable).
    private let secrets: [[UInt8]]
    public let toleranceSeconds: Int64

    public init(secrets: [String], toleranceSeconds: Int64 = defaultTolerance) {
        self.secrets = secrets.map { Array($0.utf8) }
        self.toleranceSeconds = toleranceSeconds
    }

    public struct ParsedHeader: Sendable, Equatable {
        public let timestamp: Int64
        /// Decoded 32-byte `v1` signatures; undecodable ones are dropped, as stripe-go does.
        public let signatures: [[UInt8]]
    }

    /// Checks the header against the raw body. Signature first, then time, so a forged
    /// request learns nothing about our clock.
    public func verify(header: String?, body: some Collection<UInt8>, now: Int64) throws(SignatureError) {
        guard !secrets.isEmpty else { throw .noSecretsConfigured }
        guard let header, !header.trimmingWhitespace.isEmpty else { throw .missingHeader }
        let parsed = try Self.parse(header)
        guard !parsed.signatures.isEmpty else { throw .noV1Signature }
        let payload = Self.signedPayload(timestamp: parsed.timestamp, body: body)
        var matched = false
        // Every secret against every signature, no early exit: timing says nothing about which.
        for secret in secrets {
            let expected = Array(HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: secret)))
            for signature in parsed.signatures {
                matched = Self.constantTimeEqual(expected, signature) || matched
            }
        }
        guard matched else { throw .noMatch }
        let (distance, overflow) = now.subtractingReportingOverflow(parsed.timestamp)
        guard !overflow, distance.magnitude <= UInt64(toleranceSeconds) else { throw .timestampOutOfTolerance }
    }

    /// Parses `t=` and every `v1=`; other schemes are ignored (downgrade protection).
    ///
    /// Strict like stripe-go: every element is `name=value`, `t` appears once as plain digits.
    /// Whitespace around the whole header is tolerated; inside it, names must match exactly.
    public static func parse(_ header: String) throws(SignatureError) -> ParsedHeader {
        guard header.utf8.count <= maxHeaderLength else { throw .malformedHeader }
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for element in header.trimmingWhitespace.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = element.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { throw .malformedHeader }
            switch pair[0] {
            case "t":
                guard timestamp == nil, !pair[1].isEmpty, pair[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                      let parsed = Int64(pair[1]) else { throw .malformedHeader }
                timestamp = parsed
            case "v1":
                // A v1 that is not 64 hex digits can never match; it still counts as a v1, so
                // the answer is "no match" rather than "no v1", and another v1 may still match.
                signatures.append(hexBytes(pair[1]).flatMap { $0.count == 32 ? $0 : nil } ?? [])
            default:
                continue
            }
        }
        guard let timestamp else { throw .malformedHeader }
        return ParsedHeader(timestamp: timestamp, signatures: signatures)
    }

    /// A header for `body` signed with `secret` at `timestamp` (for `webhooks replay` and tests).
    public static func header(secret: String, timestamp: Int64, body: some Collection<UInt8>) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: signedPayload(timestamp: timestamp, body: body), using: SymmetricKey(data: Array(secret.utf8))
        )
        return "t=\(timestamp),v1=\(hex(Array(mac)))"
    }

    static func signedPayload(timestamp: Int64, body: some Collection<UInt8>) -> [UInt8] {
        var payload = Array("\(timestamp).".utf8)
        payload.append(contentsOf: body)
        return payload
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let table = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// The header as a whole may carry surrounding spaces or a trailing newline from a proxy.
    fileprivate var trimmingWhitespace: Substring {
        var result = self[...]
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}
