import Foundation

/// A JSON value from a node's answer. Numbers keep their text (nodes send hex strings for
/// every quantity anyway); nothing here passes through `Double`.
public indirect enum RPCValue: Sendable, Equatable, Encodable {
    case null
    case bool(Bool)
    case string(String)
    case number(String)
    case array([RPCValue])
    case object(RPCObject)

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(Decimal(string: value) ?? 0)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value.dictionary)
        }
    }

    public subscript(key: String) -> RPCValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var array: [RPCValue]? { if case .array(let value) = self { value } else { nil } }
    public var isNull: Bool { self == .null }

    /// A required string field, or a malformed-answer error naming it.
    func field(_ key: String) throws(RPCError) -> String {
        guard let value = self[key]?.string else { throw .malformed("missing field \(key)") }
        return value
    }
}

/// A JSON object's members in document order.
///
/// An array, not a dictionary: node objects have a dozen or two members and are read a few
/// fields at a time, so a linear scan beats hashing every key of every transaction while
/// parsing (which dominated catch-up). A repeated name resolves to its last occurrence, as in
/// most JSON parsers.
public struct RPCObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public var members: [(key: String, value: RPCValue)]

    public init(members: [(key: String, value: RPCValue)]) { self.members = members }

    public init(dictionaryLiteral elements: (String, RPCValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    public subscript(key: String) -> RPCValue? {
        for member in members.reversed() where member.key == key { return member.value }
        return nil
    }

    public var count: Int { members.count }

    /// Last occurrence wins, as in `subscript`.
    public var dictionary: [String: RPCValue] {
        Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public static func == (lhs: RPCObject, rhs: RPCObject) -> Bool { lhs.dictionary == rhs.dictionary }
}
