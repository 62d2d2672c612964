import Foundation
@testable import GatewayApp
import Testing

@Suite("JSONValue text: parsing and canonical writing, against Foundation")
struct JSONValueTextTests {
    /// The canonical text is hashed into stored request hashes, so it must stay byte for byte
    /// what `JSONEncoder` wrote before the hand-written writer replaced it.
    @Test func canonicalTextIsWhatJSONEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = Self.randomValue(depth: 0, &generator)
            let theirs = String(decoding: try encoder.encode(value), as: UTF8.self)
            #expect(value.canonicalText == theirs)
        }
    }

    @Test func parsingTheCanonicalTextGivesTheValueBack() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = Self.randomValue(depth: 0, &generator)
            #expect(try JSONValue.parse(Array(value.canonicalText.utf8)) == value)
        }
    }

    /// Documents as clients write them (whitespace, escapes, any key order) read the same as
    /// through `JSONDecoder`, compared by their canonical text.
    @Test func parsingAgreesWithJSONDecoder() throws {
        let documents = [
            #" { "b" : [1, -2, 3.25, null, true] , "a" : "x\u00e9\/\"\\\n" , "c": {"z": {}, "y": []} } "#,
            #"[12345678901234567890, -9223372036854775808, 9223372036854775807, 0.000001, 1e-3]"#,
            #""\ud83d\ude00 and \u0001""#,
        ]
        for document in documents {
            let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(document.utf8))
            #expect(try JSONValue.parse(Array(document.utf8)).canonicalText == theirs.canonicalText)
        }
    }

    @Test func integersAreIntsAndEverythingElseIsAnExactDecimal() throws {
        #expect(try JSONValue.parse(Array("500".utf8)) == .int(500))
        #expect(try JSONValue.parse(Array("-0".utf8)) == .int(0))
        #expect(try JSONValue.parse(Array("500.0".utf8)) == .decimal(Decimal(500)))
        #expect(try JSONValue.parse(Array("9223372036854775808".utf8)) == .decimal(Decimal(string: "9223372036854775808")!))
        #expect(try JSONValue.parse(Array("0.1".utf8)).canonicalText == "0.1")
    }

    @Test(arguments: [
        Array("{\"a\":1,\"a\":2}".utf8), [0x22, 0xFF, 0x22], Array("[1,]".utf8), Array("".utf8), Array("1e999".utf8),
        Array((String(repeating: "[", count: JSONValue.maxDepth + 1) + String(repeating: "]", count: JSONValue.maxDepth + 1)).utf8),
    ])
    func refusesWhatIsNotOneUnambiguousDocument(_ bytes: [UInt8]) {
        #expect(throws: APIError.self) { try JSONValue.parse(bytes) }
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let text = String(repeating: "[", count: JSONValue.maxDepth) + String(repeating: "]", count: JSONValue.maxDepth)
        #expect(throws: Never.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    static func randomValue(depth: Int, _ g: inout SystemRandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &g) {
        case 0: return [.null, .bool(true), .bool(false)].randomElement(using: &g)!
        case 1: return .int([Int64.min, Int64.max, 0, -1, Int64.random(in: -1_000_000...1_000_000, using: &g)].randomElement(using: &g)!)
        case 2:
            // Never integral: an integral decimal prints as an integer and reads back as `.int`.
            let text = "\(Int.random(in: -99_999...99_999, using: &g)).\(Int.random(in: 1...9, using: &g))\(Int.random(in: 0...99_999, using: &g))"
            return .decimal(Decimal(string: text)!)
        case 3, 4: return .string(randomString(&g))
        case 5: return .array((0..<Int.random(in: 0..<4, using: &g)).map { _ in randomValue(depth: depth + 1, &g) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<5, using: &g) { members[randomString(&g)] = randomValue(depth: depth + 1, &g) }
            return .object(members)
        }
    }

    static func randomString(_ g: inout SystemRandomNumberGenerator) -> String {
        let pieces = [
            "a", "B", "z", "_", "10", "9", "/", "\"", "\\", "\n", "\t", "\r", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}",
            "é", "e\u{301}", "ß", "😀", "\u{2028}", " ", "€",
        ]
        return (0..<Int.random(in: 0..<5, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()
    }
}

/// Foundation's reading and writing of a `JSONValue`, as the gateway did before it had its
/// own: the oracle the tests above compare against.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let bool = try? container.decode(Bool.self) { self = .bool(bool) }
        else if let int = try? container.decode(Int64.self) { self = .int(int) }
        else if let decimal = try? container.decode(Decimal.self) { self = .decimal(decimal) }
        else if let string = try? container.decode(String.self) { self = .string(string) }
        else if let array = try? container.decode([JSONValue].self) { self = .array(array) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .decimal(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
