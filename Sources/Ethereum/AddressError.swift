/// Why a string or byte sequence is not an Ethereum address. A closed set: compare with
/// `==` against the static members.
public struct AddressError: Error, Hashable, CustomStringConvertible, Sendable {
    private enum Code: Hashable, Sendable {
        case wrongLength(hexDigits: Int)
        case invalidHexCharacter(position: Int)
        case badChecksum
        case wrongByteCount(Int)
        case invalidPublicKey
        case notTron
    }

    private let code: Code

    /// The string (after an optional "0x") has `hexDigits` characters instead of 40.
    public static func wrongLength(hexDigits: Int) -> Self { Self(code: .wrongLength(hexDigits: hexDigits)) }
    /// `position` is the 0-based UTF-8 byte offset in the whole string, "0x" included.
    public static func invalidHexCharacter(position: Int) -> Self { Self(code: .invalidHexCharacter(position: position)) }
    /// Mixed case that is not the EIP-55 checksum: most likely a typo.
    public static let badChecksum = Self(code: .badChecksum)
    public static func wrongByteCount(_ count: Int) -> Self { Self(code: .wrongByteCount(count)) }
    public static let invalidPublicKey = Self(code: .invalidPublicKey)
    /// Neither a `T…` Base58Check address with the 0x41 prefix nor `41…` hex.
    public static let notTron = Self(code: .notTron)

    public var description: String {
        switch code {
        case .wrongLength(let hexDigits):
            "address has \(hexDigits) hex digits, expected 40 (20 bytes) after 0x"
        case .invalidHexCharacter(let position):
            "address has a non-hex character at position \(position)"
        case .badChecksum:
            "address mixes upper and lower case but fails its EIP-55 checksum; it was probably mistyped"
        case .wrongByteCount(let count):
            "address needs 20 bytes, got \(count)"
        case .invalidPublicKey:
            "not an uncompressed secp256k1 public key (64 bytes X||Y or 65 bytes 04||X||Y on the curve)"
        case .notTron:
            "not a Tron address (T… Base58Check with the 0x41 prefix, or 41 followed by 40 hex digits)"
        }
    }
}
