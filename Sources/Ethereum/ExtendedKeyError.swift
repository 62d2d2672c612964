/// Why an extended public key was refused or a child could not be derived.
///
/// A closed set: compare with `==` against the static members. `description` is written
/// for the person who pasted the key; it never echoes key material (an xprv pasted by
/// mistake must not end up in logs).
public struct ExtendedKeyError: Error, Hashable, CustomStringConvertible, Sendable {
    private enum Code: Hashable, Sendable {
        case empty
        case tooLong(characters: Int)
        case invalidBase58Character(position: Int)
        case wrongLength(decodedBytes: Int)
        case badChecksum
        case privateKeyGiven(version: UInt32?)
        case wrongVersion(UInt32)
        case inconsistentDepth
        case invalidPublicKey
        case hardenedIndex(UInt32)
        case invalidChild(UInt32)
        case depthOverflow
        case notExternalChain(depth: UInt8, childNumber: UInt32)
    }

    private let code: Code

    public static let empty = Self(code: .empty)
    public static let badChecksum = Self(code: .badChecksum)
    public static let inconsistentDepth = Self(code: .inconsistentDepth)
    public static let invalidPublicKey = Self(code: .invalidPublicKey)
    public static let depthOverflow = Self(code: .depthOverflow)

    /// Refused before decoding: Base58 decoding is quadratic, so length is bounded first.
    public static func tooLong(characters: Int) -> Self { Self(code: .tooLong(characters: characters)) }
    /// `position` is the 0-based UTF-8 byte offset of the first offending character.
    public static func invalidBase58Character(position: Int) -> Self {
        Self(code: .invalidBase58Character(position: position))
    }
    /// `decodedBytes` counts payload + checksum; a valid key has 78 + 4.
    public static func wrongLength(decodedBytes: Int) -> Self { Self(code: .wrongLength(decodedBytes: decodedBytes)) }
    /// `version` is nil when the version was public but the key byte 0x00 marks a private key.
    public static func privateKeyGiven(version: UInt32?) -> Self { Self(code: .privateKeyGiven(version: version)) }
    public static func wrongVersion(_ version: UInt32) -> Self { Self(code: .wrongVersion(version)) }
    public static func hardenedIndex(_ index: UInt32) -> Self { Self(code: .hardenedIndex(index)) }
    /// BIP32: I_L >= n or the child is the point at infinity; the caller skips to index + 1.
    public static func invalidChild(_ index: UInt32) -> Self { Self(code: .invalidChild(index)) }
    public static func notExternalChain(depth: UInt8, childNumber: UInt32) -> Self {
        Self(code: .notExternalChain(depth: depth, childNumber: childNumber))
    }

    public var description: String {
        switch code {
        case .empty:
            "extended public key is empty"
        case .tooLong(let characters):
            "extended public key is \(characters) characters long; an xpub has 111"
        case .invalidBase58Character(let position):
            "extended public key has a character that is not Base58 at position \(position)"
                + " (Base58 excludes 0, O, I, l, spaces and punctuation)"
        case .wrongLength(let decodedBytes):
            "extended public key decodes to \(decodedBytes) bytes, expected 82 (78 + 4 checksum);"
                + " it looks truncated or has extra characters"
        case .badChecksum:
            "extended public key checksum does not match; it was mistyped or altered"
        case .privateKeyGiven(let version):
            "an extended PRIVATE key was given"
                + (version.map { " (version \(KeyVersion.describe($0)))" } ?? " (key data starts with 0x00)")
                + "; this service accepts only extended PUBLIC keys (xpub) and never private keys."
                + " Export the xpub of m/44'/60'/0'/0 instead, and treat the pasted key as exposed"
        case .wrongVersion(let version):
            "extended key version \(KeyVersion.describe(version)) is not accepted;"
                + " only mainnet xpub (0x0488B21E) is"
        case .inconsistentDepth:
            "extended public key has depth 0 but a non-zero parent fingerprint or child number"
        case .invalidPublicKey:
            "extended public key does not hold a valid compressed secp256k1 point"
        case .hardenedIndex(let index):
            "index \(index) is hardened (>= 2^31); hardened children need the private key"
        case .invalidChild(let index):
            "index \(index) gives no valid child key (BIP32: I_L >= n or point at infinity); use the next index"
        case .depthOverflow:
            "extended public key is at depth 255; a child cannot be serialized"
        case .notExternalChain(let depth, let childNumber):
            "expected the xpub of m/44'/60'/0'/0 (depth 4, child number 0);"
                + " got depth \(depth), child number \(childNumber)."
                + " An account xpub (m/44'/60'/0', depth 3) would give different addresses"
        }
    }
}

/// Names of the SLIP-132 / BIP32 version prefixes, for error messages only.
enum KeyVersion {
    static let xpub: UInt32 = 0x0488_B21E

    /// Private-key versions across Bitcoin-family wallets (BIP32, BIP49, BIP84, SLIP-132).
    static let privateVersions: [UInt32: String] = [
        0x0488_ADE4: "xprv", 0x0435_8394: "tprv", 0x049D_7878: "yprv", 0x04B2_430C: "zprv",
        0x0295_B005: "Yprv", 0x02AA_7A99: "Zprv", 0x044A_4E28: "uprv", 0x045F_18BC: "vprv",
        0x0242_85B5: "Uprv", 0x0257_5048: "Vprv",
    ]
    static let otherPublicVersions: [UInt32: String] = [
        0x0435_87CF: "tpub", 0x049D_7CB2: "ypub", 0x04B2_4746: "zpub", 0x0295_B43F: "Ypub",
        0x02AA_7ED3: "Zpub", 0x044A_5262: "upub", 0x045F_1CF6: "vpub", 0x0242_89EF: "Upub",
        0x0257_5483: "Vpub",
    ]

    static func describe(_ version: UInt32) -> String {
        let hex = String(version, radix: 16, uppercase: true)
        let padded = "0x" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
        if let name = privateVersions[version] ?? otherPublicVersions[version] {
            return "\(padded), \(name)"
        }
        return "\(padded), unknown"
    }
}
