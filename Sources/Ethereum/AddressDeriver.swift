import CSecp256k1

/// Derives deposit addresses m/44'/60'/0'/0/i from the external-chain xpub (m/44'/60'/0'/0).
///
/// Cheap to copy and `Sendable`: share one deriver across tasks. The parent point is parsed
/// once and every call reuses the one shared libsecp256k1 context read-only (see
/// `Secp256k1Context` for why that is thread-safe). Per address: one HMAC-SHA512, one
/// tweak_add, one serialization and one Keccak-256 block; no other state is touched.
public struct AddressDeriver: Sendable {
    public let externalChain: ExtendedPublicKey
    private let parentPoint: secp256k1_pubkey
    private let context: Secp256k1Context

    /// Refuses keys that cannot be the xpub of m/44'/60'/0'/0 (depth 4, non-hardened child 0).
    /// The usual mistake is exporting the account key m/44'/60'/0' (depth 3): its children
    /// are m/44'/60'/0'/i, so every address would differ from what the wallet shows.
    public init(externalChain xpub: ExtendedPublicKey) throws(ExtendedKeyError) {
        guard xpub.depth == 4, xpub.childNumber == 0 else {
            throw .notExternalChain(depth: xpub.depth, childNumber: xpub.childNumber)
        }
        let context = Secp256k1Context.shared
        // Validated when `xpub` was built; the guard keeps this path trap-free all the same.
        guard let point = context.parseCompressed(xpub.publicKey) else { throw .invalidPublicKey }
        self.externalChain = xpub
        self.parentPoint = point
        self.context = context
    }

    /// The address at m/44'/60'/0'/0/`index`.
    ///
    /// Throws `.hardenedIndex` for `index >= 2^31` and `.invalidChild(index)` when BIP32 says
    /// the index has no key (probability below 2^-127). A caller allocating indices should then
    /// skip to `index + 1`, as wallets do, and never hand out the failed index.
    public func address(at index: UInt32) throws(ExtendedKeyError) -> EthereumAddress {
        guard index < ExtendedPublicKey.firstHardenedIndex else { throw .hardenedIndex(index) }
        let mac = ExtendedPublicKey.childMAC(
            chainCode: externalChain.chainCode, publicKey: externalChain.publicKey, index: index
        )
        var point = parentPoint
        // Only I_L matters here: the child's chain code (I_R) is needed for grandchildren only.
        let valid = mac.withUnsafeBytes { context.tweakAdd(&point, tweak: UnsafeRawBufferPointer(rebasing: $0[0..<32])) }
        guard valid else { throw .invalidChild(index) }

        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 65) { buffer in
            // Non-nil: the capacity is a non-zero constant.
            let base = buffer.baseAddress.unsafelyUnwrapped
            context.serializeUncompressed(point, into: base)
            // Hash X || Y, skipping the 0x04 prefix.
            return EthereumAddress(digest: Keccak256.digest(of: UnsafeRawBufferPointer(start: base + 1, count: 64)))
        }
    }
}
