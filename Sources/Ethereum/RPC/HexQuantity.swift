/// Strict parsing of JSON-RPC hex encodings (ethereum/execution-apis): quantities are `0x` +
/// minimal hex digits (`0x0`, never `0x01`), data is `0x` + an even number of digits.
public enum Hex {
    /// A quantity up to 256 bits.
    public static func quantity256(_ text: String) throws(RPCError) -> Word256 {
        try quantity256(bytes: ArraySlice(text.utf8))
    }

    public static func uint64(_ text: String) throws(RPCError) -> UInt64 {
        try uint64(bytes: ArraySlice(text.utf8))
    }

    /// Byte data: `0x` + an even number of hex digits.
    public static func data(_ text: String) throws(RPCError) -> [UInt8] {
        guard text.hasPrefix("0x") else { throw .malformed("data without 0x prefix") }
        let digits = Array(text.utf8.dropFirst(2))
        guard digits.count % 2 == 0, digits.allSatisfy(isHexDigit) else { throw .malformed("odd or non-hex data") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            bytes.append(nibble(digits[index]) << 4 | nibble(digits[index + 1]))
            index += 2
        }
        return bytes
    }

    /// A quantity over raw bytes (a string on a `JSONTape`), without allocating.
    public static func quantity256(bytes: ArraySlice<UInt8>) throws(RPCError) -> Word256 {
        guard bytes.count >= 3, bytes.first == UInt8(ascii: "0"), bytes[bytes.startIndex + 1] == UInt8(ascii: "x") else {
            throw .malformed("not a hex quantity: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
        }
        let digits = bytes.dropFirst(2)
        guard digits.count <= 64 else { throw .malformed("quantity wider than 256 bits") }
        guard digits.count == 1 || digits.first != UInt8(ascii: "0") else {
            throw .malformed("quantity with leading zero: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
        }
        var limbs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        // Digit i from the right lands in limb 3 - i/16.
        var fromRight = digits.count - 1
        for byte in digits {
            guard isHexDigit(byte) else { throw .malformed("not a hex quantity: \(String(decoding: bytes.prefix(80), as: UTF8.self))") }
            let digit = UInt64(nibble(byte))
            switch fromRight / 16 {
            case 0: limbs.3 = limbs.3 << 4 | digit
            case 1: limbs.2 = limbs.2 << 4 | digit
            case 2: limbs.1 = limbs.1 << 4 | digit
            default: limbs.0 = limbs.0 << 4 | digit
            }
            fromRight -= 1
        }
        return Word256(limbs: limbs)
    }

    public static func uint64(bytes: ArraySlice<UInt8>) throws(RPCError) -> UInt64 {
        let value = try quantity256(bytes: bytes)
        guard value.fits64 else { throw .malformed("quantity exceeds 64 bits") }
        return value.limbs.3
    }

    /// Whether these bytes are a 32-byte hash (`0x` + 64 hex digits, either case).
    public static func isHash(bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count == 66 && bytes.first == UInt8(ascii: "0") && bytes[bytes.startIndex + 1] == UInt8(ascii: "x")
            && bytes.dropFirst(2).allSatisfy(isHexDigit)
    }

    /// A validated hash's text, lowercase.
    public static func hashText(bytes: ArraySlice<UInt8>) throws(RPCError) -> String {
        guard isHash(bytes: bytes) else { throw .malformed("not a 32-byte hash: \(String(decoding: bytes.prefix(80), as: UTF8.self))") }
        let lower = bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") ? $0 + 32 : $0 }
        return String(decoding: lower, as: UTF8.self)
    }

    public static func quantity(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    /// `0x` followed by two lowercase hex digits per byte.
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]("0x".utf8)
        out.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isHexDigit(_ c: UInt8) -> Bool {
        (48...57).contains(c) || (97...102).contains(c) || (65...70).contains(c)
    }

    static func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        default: c - 55
        }
    }
}
