/// Strict JSON for node answers. `JSONTape` does the parsing (each byte read once, exactly
/// RFC 8259, numbers kept as their text so nothing passes through `Double`); this names the
/// limits and builds a whole `RPCValue` tree for callers that want one.
///
/// Why not `JSONDecoder`: decoding an untyped tree through `Codable` tries each case in turn
/// and throws on every miss, which made parsing 150-transaction blocks the watcher's main cost
/// during catch-up.
public enum RPCJSONParser {
    /// Node answers nest a handful of levels (batch → answer → block → tx → access list);
    /// anything near this is hostile.
    public static let maxDepth = 64

    public static func parse(_ bytes: some Collection<UInt8>) throws(RPCError) -> RPCValue {
        try JSONTape(bytes).root.value
    }

    /// The text of a string's content (between its quotes) that has `\` escapes. Refuses an
    /// unknown escape, a bad `\u`, a lone surrogate and a raw control character.
    static func unescape(_ content: [UInt8]) throws(RPCError) -> String {
        func fail(_ problem: String) -> RPCError { .malformed("answer is not JSON: \(problem) in a string") }
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var index = 0
        func hex4() throws(RPCError) -> UInt32 {
            guard index + 4 <= content.count else { throw fail("short \\u escape") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                guard Hex.isHexDigit(content[index]) else { throw fail("bad \\u escape") }
                code = code << 4 | UInt32(Hex.nibble(content[index]))
                index += 1
            }
            return code
        }
        while index < content.count {
            let byte = content[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                guard byte >= 0x20 else { throw fail("control character") }
                out.append(byte)
                continue
            }
            guard index < content.count else { throw fail("unfinished escape") }
            let escape = content[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard index + 1 < content.count, content[index] == UInt8(ascii: "\\"), content[index + 1] == UInt8(ascii: "u") else {
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
                out += Array(String(Character(scalar)).utf8)
            default:
                throw fail("bad escape")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
