/// A 256-bit unsigned value (an EVM word: a uint256 amount) as four 64-bit limbs.
///
/// Deliberately not `UInt128`: with this toolchain, `UInt128` values kept across an `await`
/// crashed at run time (16-byte alignment in async frames), and these values travel through
/// async code. Arithmetic happens in short synchronous functions.
public struct Word256: Sendable, Hashable {
    /// Most significant first.
    public let limbs: (UInt64, UInt64, UInt64, UInt64)

    public init(limbs: (UInt64, UInt64, UInt64, UInt64)) { self.limbs = limbs }

    /// Big-endian bytes; up to 32 are read, shorter input is right-aligned.
    public init(bigEndian bytes: some Collection<UInt8>) {
        var words: [UInt64] = [0, 0, 0, 0]
        for byte in bytes.suffix(32) {
            // Shift the 256-bit value left by 8 bits and add the byte.
            words[0] = words[0] << 8 | words[1] >> 56
            words[1] = words[1] << 8 | words[2] >> 56
            words[2] = words[2] << 8 | words[3] >> 56
            words[3] = words[3] << 8 | UInt64(byte)
        }
        limbs = (words[0], words[1], words[2], words[3])
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.limbs.0 == rhs.limbs.0 && lhs.limbs.1 == rhs.limbs.1 && lhs.limbs.2 == rhs.limbs.2 && lhs.limbs.3 == rhs.limbs.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(limbs.0)
        hasher.combine(limbs.1)
        hasher.combine(limbs.2)
        hasher.combine(limbs.3)
    }

    public var isZero: Bool { limbs.0 == 0 && limbs.1 == 0 && limbs.2 == 0 && limbs.3 == 0 }

    /// Whether it fits 128 bits (every real ETH or USDT amount does).
    public var fits128: Bool { limbs.0 == 0 && limbs.1 == 0 }

    public var fits64: Bool { fits128 && limbs.2 == 0 }

    /// Exact decimal digits, for values that fit 128 bits; nil otherwise.
    public var decimal128: String? {
        guard fits128 else { return nil }
        return String(UInt128(limbs.2) << 64 | UInt128(limbs.3))
    }

    /// `0x…` hex of the whole word, for values shown to operators.
    public var hex: String {
        "0x" + [limbs.0, limbs.1, limbs.2, limbs.3].map { limb in
            let text = String(limb, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
