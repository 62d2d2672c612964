/// A validated BIP32 extended public key (mainnet `xpub` only).
///
/// Holds only public data. Parsing refuses every private serialization (xprv, tprv, ...,
/// or key data starting 0x00) so that private key material is never accepted, stored or
/// derived from by this service.
public struct ExtendedPublicKey: Hashable, Sendable {
    /// 0 for a master key; BIP44 external chains (m/44'/60'/0'/0) are at depth 4.
    public let depth: UInt8
    /// First 4 bytes of HASH160 of the parent's key, big-endian; 0 for a master key.
    public let parentFingerprint: UInt32
    /// Index this key was derived at; >= 2^31 means hardened.
    public let childNumber: UInt32
    /// 32 bytes.
    public let chainCode: [UInt8]
    /// 33-byte SEC1 compressed point (0x02/0x03 || X), validated on the curve.
    public let publicKey: [UInt8]

    /// Serialized payload length in bytes, before the 4-byte checksum (BIP32 "Serialization format").
    static let payloadLength = 78

    /// Parses a Base58Check `xpub...` string. Never traps, whatever the input.
    public init(_ string: String) throws(ExtendedKeyError) {
        let payload = try Base58Check.decode(string, payloadLength: Self.payloadLength)
        let version = Self.readUInt32(payload, at: 0)
        let keyPrefix = payload[45]

        // Private material is refused before anything else is said about the key.
        if KeyVersion.privateVersions[version] != nil {
            throw .privateKeyGiven(version: version)
        }
        guard version == KeyVersion.xpub else {
            throw keyPrefix == 0x00 ? .privateKeyGiven(version: version) : .wrongVersion(version)
        }
        guard keyPrefix != 0x00 else { throw .privateKeyGiven(version: nil) }

        try self.init(
            depth: payload[4],
            parentFingerprint: Self.readUInt32(payload, at: 5),
            childNumber: Self.readUInt32(payload, at: 9),
            chainCode: Array(payload[13..<45]),
            publicKey: Array(payload[45..<78])
        )
    }

    /// Builds a key from its parts, with the same checks as parsing (curve point, and a
    /// master key has no parent fingerprint or child number, BIP32 test vector 5).
    public init(
        depth: UInt8, parentFingerprint: UInt32, childNumber: UInt32, chainCode: [UInt8], publicKey: [UInt8]
    ) throws(ExtendedKeyError) {
        guard depth != 0 || (parentFingerprint == 0 && childNumber == 0) else { throw .inconsistentDepth }
        // Reported as the length the serialized key would have, so one message covers both paths.
        guard chainCode.count == 32 else { throw .wrongLength(decodedBytes: 50 + chainCode.count) }
        guard Secp256k1Context.shared.parseCompressed(publicKey) != nil else { throw .invalidPublicKey }
        self.depth = depth
        self.parentFingerprint = parentFingerprint
        self.childNumber = childNumber
        self.chainCode = chainCode
        self.publicKey = publicKey
    }

    /// The `xpub...` Base58Check string (111 characters).
    public func serialize() -> String {
        var payload = [UInt8]()
        payload.reserveCapacity(Self.payloadLength)
        Self.appendUInt32(KeyVersion.xpub, to: &payload)
        payload.append(depth)
        Self.appendUInt32(parentFingerprint, to: &payload)
        Self.appendUInt32(childNumber, to: &payload)
        payload += chainCode
        payload += publicKey
        return Base58Check.encode(payload: payload)
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }
}
