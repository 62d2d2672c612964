/// A parsed JSON document as a flat tape of tokens over the original bytes.
///
/// Why: a batch of 100 blocks is ~10 MB and ~500,000 values. Building a tree allocates (and
/// later frees) every one of them, which was most of the watcher's catch-up time. The tape is
/// two arrays; strings and numbers stay bytes until a caller asks for one, and the hex fields
/// the watcher reads are parsed straight from those bytes.
///
/// Parsing is strict RFC 8259 (see `RPCJSONParser` for the grammar notes) and bounded by
/// `RPCJSONParser.maxDepth`.
public final class JSONTape: Sendable {
    enum Kind: UInt8, Sendable {
        case null, `true`, `false`, string, number, array, object
    }

    struct Token: Sendable {
        var kind: Kind
        /// Strings only: the content has `\` escapes and must be decoded.
        var escaped: Bool
        /// Strings and numbers: the content's byte range (strings without their quotes).
        var start: UInt32
        var end: UInt32
        /// The token index just past this value's subtree (for skipping siblings).
        var next: UInt32
    }

    let bytes: [UInt8]
    let tokens: [Token]

    /// Documents larger than 4 GiB cannot be indexed by the 32-bit offsets; the RPC client's
    /// response limit is far below that.
    public static let maxBytes = Int(UInt32.max)

    public init(_ input: some Collection<UInt8>) throws(RPCError) {
        let bytes = Array(input)
        guard bytes.count < Self.maxBytes else { throw .malformed("answer too large to index") }
        var builder = Builder(count: bytes.count)
        try bytes.withUnsafeBufferPointer { buffer throws(RPCError) in try builder.document(buffer) }
        self.bytes = bytes
        self.tokens = builder.tokens
    }

    public var root: JSONNode { JSONNode(tape: self, index: 0) }

    struct Builder {
        var tokens: [Token] = []
        var index = 0
        var depth = 0
        var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

        init(count: Int) {
            // A rough guess avoids most regrowth: about one token per 12 bytes in node answers.
            tokens.reserveCapacity(count / 12 + 16)
        }

        mutating func document(_ buffer: UnsafeBufferPointer<UInt8>) throws(RPCError) {
            bytes = buffer
            try value()
            skipWhitespace()
            guard index == bytes.count else { throw fail("trailing characters after the JSON value") }
        }

        func fail(_ problem: String) -> RPCError { .malformed("answer is not JSON: \(problem) at byte \(index)") }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func emit(_ kind: Kind, escaped: Bool = false, start: Int = 0, end: Int = 0) -> Int {
            tokens.append(Token(kind: kind, escaped: escaped, start: UInt32(start), end: UInt32(end), next: UInt32(tokens.count + 1)))
            return tokens.count - 1
        }

        mutating func value() throws(RPCError) {
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): try container(object: true)
            case UInt8(ascii: "["): try container(object: false)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true"); _ = emit(.true)
            case UInt8(ascii: "f"): try literal("false"); _ = emit(.false)
            case UInt8(ascii: "n"): try literal("null"); _ = emit(.null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(RPCError) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("unexpected end") }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw fail("bad literal") }
            index += count
        }

        mutating func container(object: Bool) throws(RPCError) {
            depth += 1
            guard depth <= RPCJSONParser.maxDepth else { throw fail("nested deeper than \(RPCJSONParser.maxDepth)") }
            let closing = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let me = emit(object ? .object : .array)
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == closing {
                index += 1
            } else {
                while true {
                    if object {
                        skipWhitespace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                        try string()
                        skipWhitespace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                        index += 1
                    }
                    try value()
                    skipWhitespace()
                    guard index < bytes.count else { throw fail("unexpected end") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    guard bytes[index] == closing else { throw fail(object ? "expected ',' or '}'" : "expected ',' or ']'") }
                    index += 1
                    break
                }
            }
            tokens[me].next = UInt32(tokens.count)
            depth -= 1
        }

        mutating func string() throws(RPCError) {
            index += 1
            let start = index
            var escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    if escaped {
                        // Rare in node answers: decode once now so bad surrogates are refused here.
                        _ = try RPCJSONParser.unescape(Array(bytes[start..<index]))
                    }
                    _ = emit(.string, escaped: escaped, start: start, end: index)
                    index += 1
                    return
                }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    index += 1
                    guard index < bytes.count else { break }
                    // The escaped character is skipped (so `\"` does not end the string);
                    // `unescape` checks every escape when the string closes.
                    index += 1
                    continue
                }
                guard byte >= 0x20 else { throw fail("control character in string") }
                index += 1
            }
            throw fail("unterminated string")
        }

        mutating func number() throws(RPCError) {
            let start = index
            func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("bad number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("bad fraction") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("bad exponent") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            _ = emit(.number, start: start, end: index)
        }
    }
}

/// One value on a tape: cheap to copy, read on demand.
public struct JSONNode: Sendable {
    let tape: JSONTape
    let index: Int

    var token: JSONTape.Token { tape.tokens[index] }

    public var isNull: Bool { token.kind == .null }
    public var isObject: Bool { token.kind == .object }

    /// A member by name (the last one if repeated); nil if this is not an object or lacks it.
    public subscript(key: String) -> JSONNode? {
        guard token.kind == .object else { return nil }
        let wantedKey = key
        var utf8 = key
        return utf8.withUTF8 { wanted in
            var found: JSONNode?
            var cursor = index + 1
            let end = Int(token.next)
            while cursor < end {
                let name = tape.tokens[cursor]
                let valueIndex = cursor + 1
                if name.escaped {
                    if JSONNode(tape: tape, index: cursor).string == wantedKey { found = JSONNode(tape: tape, index: valueIndex) }
                } else if Int(name.end - name.start) == wanted.count,
                          wanted.count == 0 || tape.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + Int(name.start), wanted.baseAddress!, wanted.count) == 0 }) {
                    found = JSONNode(tape: tape, index: valueIndex)
                }
                cursor = Int(tape.tokens[valueIndex].next)
            }
            return found
        }
    }

    /// The elements, if this is an array.
    public var array: [JSONNode]? {
        guard token.kind == .array else { return nil }
        var items: [JSONNode] = []
        var cursor = index + 1
        let end = Int(token.next)
        while cursor < end {
            items.append(JSONNode(tape: tape, index: cursor))
            cursor = Int(tape.tokens[cursor].next)
        }
        return items
    }

    /// The string's decoded text, if this is a string.
    public var string: String? {
        let token = self.token
        guard token.kind == .string else { return nil }
        let range = Int(token.start)..<Int(token.end)
        guard token.escaped else { return String(decoding: tape.bytes[range], as: UTF8.self) }
        // Checked when the tape was built, so this cannot fail.
        return try? RPCJSONParser.unescape(Array(tape.bytes[range]))
    }

    /// Runs `body` over the raw bytes of an unescaped string (hex fields), without a String.
    public func withStringBytes<T>(_ body: (ArraySlice<UInt8>) throws(RPCError) -> T) throws(RPCError) -> T? {
        let token = self.token
        guard token.kind == .string, !token.escaped else { return nil }
        return try body(tape.bytes[Int(token.start)..<Int(token.end)])
    }

    /// The whole subtree as an `RPCValue`, for the general API.
    public var value: RPCValue {
        switch token.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .number: return .number(String(decoding: tape.bytes[Int(token.start)..<Int(token.end)], as: UTF8.self))
        case .string: return .string(string ?? "")
        case .array: return .array((array ?? []).map(\.value))
        case .object:
            var members: [(key: String, value: RPCValue)] = []
            var cursor = index + 1
            let end = Int(token.next)
            while cursor < end {
                members.append((key: JSONNode(tape: tape, index: cursor).string ?? "", value: JSONNode(tape: tape, index: cursor + 1).value))
                cursor = Int(tape.tokens[cursor + 1].next)
            }
            return .object(RPCObject(members: members))
        }
    }

    /// A required string member, or a malformed-answer error naming it.
    func field(_ key: String) throws(RPCError) -> JSONNode {
        guard let node = self[key], node.token.kind == .string else { throw .malformed("missing field \(key)") }
        return node
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
