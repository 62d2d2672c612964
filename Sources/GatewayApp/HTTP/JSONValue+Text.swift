import Ethereum
import Foundation

/// JSON text in and out of `JSONValue`, without `Codable`.
///
/// Why: decoding an untyped value through `JSONDecoder` tries each case in turn and throws on
/// every miss, and `JSONEncoder` boxes every value; together they were over half of the CPU a
/// wallet credit cost. Parsing reuses the strict tape parser the node client uses (one JSON
/// grammar in the project). The writer produces exactly the bytes `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` produced before, which matters: request hashes
/// stored by the wallet are hashes of this text. `JSONValueTextTests` checks both directions
/// against Foundation on random documents.
extension JSONValue {
    /// Largest nesting accepted when parsing untrusted input.
    static let maxDepth = 32

    /// Parses bytes; errors say what is wrong without echoing the input.
    ///
    /// Integers that fit in 64 bits become `.int`; every other number an exact `.decimal`
    /// (a fraction or exponent is never an integer, so `500.0` cents is refused where an
    /// integer is required). Invalid UTF-8 and repeated member names are refused.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        let bytes = Array(bytes)
        guard String(validating: bytes, as: UTF8.self) != nil else { throw APIError.invalidJSON("body is not valid UTF-8") }
        let tree: RPCValue
        do {
            tree = try JSONTape(bytes).root.value
        } catch {
            throw APIError.invalidJSON("body is not valid JSON")
        }
        return try JSONValue(tree, depth: 0)
    }

    private init(_ value: RPCValue, depth: Int) throws {
        switch value {
        case .null: self = .null
        case .bool(let bool): self = .bool(bool)
        case .string(let string): self = .string(string)
        case .number(let text):
            if let int = Int64(text) {
                self = .int(int)
            } else if let decimal = Decimal(string: text), decimal.isFinite {
                self = .decimal(decimal)
            } else {
                throw APIError.invalidJSON("number out of range")
            }
        case .array(let items):
            guard depth < Self.maxDepth else { throw APIError.invalidJSON("JSON nested deeper than \(Self.maxDepth)") }
            self = .array(try items.map { try JSONValue($0, depth: depth + 1) })
        case .object(let object):
            guard depth < Self.maxDepth else { throw APIError.invalidJSON("JSON nested deeper than \(Self.maxDepth)") }
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(object.members.count)
            for (key, member) in object.members {
                guard members.updateValue(try JSONValue(member, depth: depth + 1), forKey: key) == nil else {
                    throw APIError.invalidJSON("member \"\(key.prefix(64))\" appears twice")
                }
            }
            self = .object(members)
        }
    }

    /// Canonical text: sorted keys, no extra whitespace.
    public var canonicalText: String {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let value): out += (value ? "true" : "false").utf8
        case .int(let value): out += String(value).utf8
        case .decimal(let value): out += value.description.utf8
        case .string(let value): Self.write(string: value, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // By UTF-8 bytes, as JSONEncoder sorts: String's `<` compares normalized text, so a
            // decomposed "e\u{301}" would sort after "z" there and before it here.
            for (index, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(string: key, to: &out)
                out.append(UInt8(ascii: ":"))
                members[key]!.write(to: &out)  // the key came from this dictionary
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Escapes as `JSONEncoder` does: quote, backslash and the control characters; `/` and
    /// everything from 0x7F up are written as they are.
    private static func write(string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x08: out += #"\b"#.utf8
            case 0x0C: out += #"\f"#.utf8
            case 0x0A: out += #"\n"#.utf8
            case 0x0D: out += #"\r"#.utf8
            case 0x09: out += #"\t"#.utf8
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += #"\u00"#.utf8
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
