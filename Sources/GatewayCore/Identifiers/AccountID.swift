/// A customer's wallet account id, validated at the edge.
///
/// The platform chooses ids; we accept 1–64 characters of `[A-Za-z0-9_-]` so an id is safe in
/// URLs, log lines, idempotency keys and SQL without escaping.
public struct AccountID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// Longest id accepted; long enough for UUIDs and prefixed ids, short enough for an index key.
    public static let maxLength = 64

    public let rawValue: String

    public init(_ raw: String) throws(DomainError) {
        guard !raw.isEmpty, raw.utf8.count <= Self.maxLength else {
            throw DomainError(.invalidAccountID, "account id must be 1–\(Self.maxLength) characters")
        }
        guard raw.utf8.allSatisfy(Self.isAllowed) else {
            throw DomainError(.invalidAccountID, "account id may contain only A-Z, a-z, 0-9, '_' and '-'")
        }
        self.rawValue = raw
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        do { self = try AccountID(raw) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
