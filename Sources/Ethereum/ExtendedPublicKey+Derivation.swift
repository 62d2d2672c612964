import Crypto

/// BIP32 public child derivation (CKDpub) and fingerprints.
extension ExtendedPublicKey {
    /// Indices from here on are hardened; only the private key can derive them.
    public static let firstHardenedIndex: UInt32 = 0x8000_0000

    /// First 4 bytes of HASH160(key) = RIPEMD160(SHA256(key)), big-endian; a child stores
    /// its parent's fingerprint, so derived serializations match the BIP32 vectors.
    public var fingerprint: UInt32 {
        let hash160 = RIPEMD160.hash(Array(SHA256.hash(data: publicKey)))
        return hash160.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// CKDpub: the non-hardened child at `index`.
    ///
    /// Throws `.hardenedIndex` for `index >= 2^31`, and `.invalidChild(index)` in BIP32's
    /// "I_L >= n or point at infinity" case (probability below 2^-127), where BIP32 says to
    /// "proceed with the next value for i": see `deriveSkippingInvalid(from:)`.
    public func derive(index: UInt32) throws(ExtendedKeyError) -> ExtendedPublicKey {
        guard index < Self.firstHardenedIndex else { throw .hardenedIndex(index) }
        guard depth < UInt8.max else { throw .depthOverflow }
        let context = Secp256k1Context.shared
        // `publicKey` was validated when `self` was built; the guard keeps this path trap-free.
        guard var key = context.parseCompressed(publicKey) else { throw .invalidPublicKey }

        let mac = Self.childMAC(chainCode: chainCode, publicKey: publicKey, index: index)
        // I = I_L || I_R: I_L is the tweak added to the parent point, I_R the child chain code.
        let valid = mac.withUnsafeBytes { context.tweakAdd(&key, tweak: UnsafeRawBufferPointer(rebasing: $0[0..<32])) }
        guard valid else { throw .invalidChild(index) }
        return try ExtendedPublicKey(
            depth: depth + 1,
            parentFingerprint: fingerprint,
            childNumber: index,
            chainCode: mac.withUnsafeBytes { Array($0[32..<64]) },
            publicKey: context.serializeCompressed(key)
        )
    }

    /// The first valid child at `index` or later, and the index it was found at.
    /// Throws `.hardenedIndex` if the search would reach 2^31.
    public func deriveSkippingInvalid(from index: UInt32) throws(ExtendedKeyError) -> (index: UInt32, key: ExtendedPublicKey) {
        var candidate = index
        while true {
            do {
                return (candidate, try derive(index: candidate))
            } catch where error == .invalidChild(candidate) {
                candidate += 1  // cannot overflow: derive refused anything >= 2^31 already
            }
        }
    }

    /// HMAC-SHA512(key: c_par, data: ser_P(K_par) || ser_32(i)), BIP32 "Public parent key →
    /// public child key".
    static func childMAC(chainCode: [UInt8], publicKey: [UInt8], index: UInt32) -> HMAC<SHA512>.MAC {
        var data = publicKey
        appendUInt32(index, to: &data)
        return HMAC<SHA512>.authenticationCode(for: data, using: SymmetricKey(data: chainCode))
    }
}
