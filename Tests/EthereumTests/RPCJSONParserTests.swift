import Ethereum
import Foundation
import Testing

@Suite("Node answers: strict JSON into RPCValue")
struct RPCJSONParserTests {
    @Test func parsesEveryKindOfValueKeepingNumbersAsText() throws {
        let value = try RPCJSONParser.parse(Array(#" [{"a":"0x1f","b":[true,false,null],"c":12345678901234567890123,"d":-0.5e+10,"e":{}} , [] ] "#.utf8))
        #expect(value == .array([
            .object([
                "a": .string("0x1f"), "b": .array([.bool(true), .bool(false), .null]),
                "c": .number("12345678901234567890123"), "d": .number("-0.5e+10"), "e": .object(RPCObject(members: [])),
            ]),
            .array([]),
        ]))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try RPCJSONParser.parse(Array(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#.utf8))
        #expect(value == .string("a\"b\\c/d\n\té😀"))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{a:1}", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "tru", "nul", "[1] x",
        "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"abc", "[\"a\u{01}\"]", "{\"a\" 1}", "[1 2]", "+1",
    ])
    func refusesMalformedInput(_ text: String) {
        #expect(throws: RPCError.self) { try RPCJSONParser.parse(Array(text.utf8)) }
    }

    @Test func refusesNestingBeyondTheLimit() {
        let deep = String(repeating: "[", count: RPCJSONParser.maxDepth + 1) + String(repeating: "]", count: RPCJSONParser.maxDepth + 1)
        #expect(throws: RPCError.self) { try RPCJSONParser.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: RPCJSONParser.maxDepth) + String(repeating: "]", count: RPCJSONParser.maxDepth)
        #expect((try? RPCJSONParser.parse(Array(fine.utf8))) != nil)
    }

    /// Random documents agree with Foundation's parser on structure and strings.
    @Test func agreesWithFoundationOnRandomDocuments() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let document = Self.randomJSON(depth: 0, &generator)
            let ours = try RPCJSONParser.parse(Array(document.utf8))
            let theirs = try JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed])
            #expect(Self.same(ours, theirs), "\(document)")
        }
    }

    static func randomJSON(depth: Int, _ g: inout SystemRandomNumberGenerator) -> String {
        let choice = depth > 4 ? Int.random(in: 0..<4, using: &g) : Int.random(in: 0..<6, using: &g)
        switch choice {
        case 0: return ["true", "false", "null"].randomElement(using: &g)!
        case 1: return "\(Int.random(in: -1_000_000...1_000_000, using: &g))"
        case 2, 3:
            let pieces = ["0x", "ab", "\\n", "\\\"", "é", "\\u0041", " ", "😀", "\\/"]
            return "\"" + (0..<Int.random(in: 0..<6, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined() + "\""
        case 4:
            return "[" + (0..<Int.random(in: 0..<4, using: &g)).map { _ in randomJSON(depth: depth + 1, &g) }.joined(separator: ",") + "]"
        default:
            return "{" + (0..<Int.random(in: 0..<4, using: &g)).map { i in "\"k\(i)\" : " + randomJSON(depth: depth + 1, &g) }.joined(separator: ",") + "}"
        }
    }

    static func same(_ ours: RPCValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null: return theirs is NSNull
        case .bool(let value): return (theirs as? NSNumber).map { $0.boolValue == value && String(cString: $0.objCType) == "c" } ?? (theirs as? Bool == value)
        case .string(let value): return theirs as? String == value
        case .number(let text): return (theirs as? NSNumber)?.int64Value == Int64(text)
        case .array(let items):
            guard let list = theirs as? [Any], list.count == items.count else { return false }
            return zip(items, list).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let dict = theirs as? [String: Any], dict.count == members.count else { return false }
            return members.dictionary.allSatisfy { key, value in dict[key].map { same(value, $0) } ?? false }
        }
    }
}
