/// A 20-byte Ethereum account address.
///
/// Stored as three integers (bytes 0–7, 8–15, 16–19, big-endian) rather than an array:
/// 20 bytes inline with a 24-byte stride and no heap object, so a Set or Dictionary of
/// millions of watched deposit addresses stays small and hashes without pointer chasing.
public struct EthereumAddress: Hashable, Sendable, CustomStringConvertible {
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    public static let byteCount = 20

    /// Exactly 20 bytes.
    public init(bytes: some Collection<UInt8>) throws(AddressError) {
        guard bytes.count == Self.byteCount else { throw .wrongByteCount(bytes.count) }
        let array = Array(bytes)
        high = array[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        middle = array[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        low = array[16..<20].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// `0x` + 40 lowercase hex digits, read without allocating (node answers are lowercase).
    /// Nil for anything else, which the caller parses the general (checksum-aware) way.
    public init?(lowercaseHex digits: ArraySlice<UInt8>) {
        guard digits.count == 42, digits.first == UInt8(ascii: "0"), digits[digits.startIndex + 1] == UInt8(ascii: "x") else { return nil }
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var position = 0
        for byte in digits.dropFirst(2) {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            switch position {
            case 0..<16: words.0 = words.0 << 4 | UInt64(value)
            case 16..<32: words.1 = words.1 << 4 | UInt64(value)
            default: words.2 = words.2 << 4 | UInt64(value)
            }
            position += 1
        }
        high = words.0
        middle = words.1
        low = UInt32(truncatingIfNeeded: words.2)
    }

    /// The address of an uncompressed secp256k1 public key: the last 20 bytes of
    /// keccak256(X || Y). Accepts X || Y (64 bytes) or SEC1 0x04 || X || Y (65 bytes); the
    /// point must be on the curve, since an off-curve key's address has no owner.
    public init(uncompressedPublicKey key: [UInt8]) throws(AddressError) {
        let sec1: [UInt8]
        switch key.count {
        case 64: sec1 = [0x04] + key
        case 65 where key[0] == 0x04: sec1 = key
        default: throw .invalidPublicKey
        }
        guard Secp256k1Context.shared.parseUncompressed(sec1) else { throw .invalidPublicKey }
        self = sec1.withUnsafeBytes { Self(digest: Keccak256.digest(of: UnsafeRawBufferPointer(rebasing: $0[1...]))) }
    }

    /// Bytes 12..<32 of a Keccak-256 digest held as four little-endian lanes (digest bytes
    /// 8i..<8i+8 are lane i). Byte-swapping a lane gives those 8 bytes big-endian.
    init(digest: Keccak256Digest) {
        let lane1 = digest.lane1.byteSwapped, lane2 = digest.lane2.byteSwapped, lane3 = digest.lane3.byteSwapped
        high = lane1 << 32 | lane2 >> 32       // digest bytes 12...19
        middle = lane2 << 32 | lane3 >> 32     // digest bytes 20...27
        low = UInt32(truncatingIfNeeded: lane3) // digest bytes 28...31
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.byteCount)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: middle >> UInt64(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt32(shift))) }
        return out
    }

    /// "0x" + 40 lowercase hex digits: the form JSON-RPC filters and topics compare against.
    public var lowercaseHex: String {
        "0x" + String(decoding: lowercaseHexDigits, as: UTF8.self)
    }

    /// EIP-55 mixed-case form: a letter is upper-cased iff the matching nibble of
    /// keccak256(lowercase hex, ASCII, no 0x) is >= 8.
    public var checksummed: String {
        var digits = lowercaseHexDigits
        let hash = Keccak256.hash(digits)
        for i in digits.indices where digits[i] >= UInt8(ascii: "a") {
            let nibble = i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0x0F
            if nibble >= 8 { digits[i] -= 0x20 }  // ASCII 'a'...'f' -> 'A'...'F'
        }
        return "0x" + String(decoding: digits, as: UTF8.self)
    }

    public var description: String { checksummed }

    var lowercaseHexDigits: [UInt8] {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 * Self.byteCount)
        for byte in bytes {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0F)])
        }
        return out
    }
}
