/// A strict JSON parser straight into `RPCValue`, for node answers.
///
/// Why not `JSONDecoder`: decoding an untyped tree through `Codable` tries each case in turn
/// and throws on every miss, which made parsing 150-transaction blocks the watcher's main cost
/// during catch-up. This parser reads each byte once. It accepts exactly RFC 8259 JSON, keeps
/// numbers as their text (nothing passes through `Double`), and refuses nesting deeper than
/// `maxDepth`.
public enum RPCJSONParser {
    /// Node answers nest a handful of levels (batch → answer → block → tx → access list);
    /// anything near this is hostile.
    public static let maxDepth = 64

    /// Parses through the tape, then builds the tree.
    public static func parse(_ bytes: some Collection<UInt8>) throws(RPCError) -> RPCValue {
        try JSONTape(bytes).root.value
    }

    /// The direct tree parser (used for the rare escaped string on a tape).
    static func parseTree(_ bytes: some Collection<UInt8>) throws(RPCError) -> RPCValue {
        let result: Result<RPCValue, RPCError>? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = Parser(bytes: buffer)
            return Result { () throws(RPCError) -> RPCValue in try parser.document() }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer throws(RPCError) -> RPCValue in
            var parser = Parser(bytes: buffer)
            return try parser.document()
        }
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func document() throws(RPCError) -> RPCValue {
            let value = try self.value()
            skipWhitespace()
            guard index == bytes.count else { throw fail("trailing characters after the JSON value") }
            return value
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

        mutating func value() throws(RPCError) -> RPCValue {
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(RPCError) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("unexpected end") }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw fail("bad literal") }
            index += count
        }

        mutating func enter() throws(RPCError) {
            depth += 1
            guard depth <= RPCJSONParser.maxDepth else { throw fail("nested deeper than \(RPCJSONParser.maxDepth)") }
        }

        mutating func object() throws(RPCError) -> RPCValue {
            try enter()
            index += 1  // {
            var members: [(key: String, value: RPCValue)] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return .object(RPCObject(members: members))
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                members.append((key: key, value: try value()))
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end in object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                index += 1
                depth -= 1
                return .object(RPCObject(members: members))
            }
        }

        mutating func array() throws(RPCError) -> RPCValue {
            try enter()
            index += 1  // [
            var items: [RPCValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return .array(items)
            }
            while true {
                items.append(try value())
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end in array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                index += 1
                depth -= 1
                return .array(items)
            }
        }

        mutating func string() throws(RPCError) -> String {
            index += 1  // opening quote
            let start = index
            // Fast path: no escapes, which is every hex string a node sends.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw fail("control character in string") }
                index += 1
            }
            var scalars = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return String(decoding: scalars, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw fail("unexpected end in escape") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append(0x22)
                    case UInt8(ascii: "\\"): scalars.append(0x5C)
                    case UInt8(ascii: "/"): scalars.append(0x2F)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800...0xDBFF).contains(code) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw fail("lone surrogate")
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw fail("bad surrogate pair") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(code) {
                            throw fail("lone surrogate")
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw fail("bad \\u escape") }
                        scalars += Array(String(Character(scalar)).utf8)
                    default:
                        throw fail("bad escape")
                    }
                default:
                    guard byte >= 0x20 else { throw fail("control character in string") }
                    scalars.append(byte)
                    index += 1
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(RPCError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                guard Hex.isHexDigit(byte) else { throw fail("bad \\u escape") }
                code = code << 4 | UInt32(Hex.nibble(byte))
                index += 1
            }
            return code
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as its text.
        mutating func number() throws(RPCError) -> String {
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
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }
    }
}
