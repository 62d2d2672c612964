import Testing
@testable import Ethereum

/// bitcoin/bips bip-0032.mediawiki, test vector 1 (seed 000102…0f), public keys only.
@Suite struct BIP32DerivationTests {
    static let m = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8"
    static let m0H = "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw"
    static let m0H1 = "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ"
    static let m0H12H = "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5"
    static let m0H12H2 = "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV"
    static let m0H12H21000000000 = "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy"

    @Test(arguments: [m, m0H, m0H1, m0H12H, m0H12H2, m0H12H21000000000])
    func parseSerializeRoundTrip(xpub: String) throws {
        #expect(try ExtendedPublicKey(xpub).serialize() == xpub)
    }

    @Test(arguments: [
        (m0H12H, UInt32(2), m0H12H2),
        (m0H12H2, UInt32(1_000_000_000), m0H12H21000000000),
        (m0H, UInt32(1), m0H1),
    ])
    func publicDerivationMatchesVector(parent: String, index: UInt32, child: String) throws {
        let derived = try ExtendedPublicKey(parent).derive(index: index)
        #expect(derived.serialize() == child)
        #expect(derived == (try ExtendedPublicKey(child)))
    }

    @Test func masterFingerprint() throws {
        // BIP32 TV1 lists the master key ID 3442193e…; its first 4 bytes are the fingerprint.
        #expect(try ExtendedPublicKey(Self.m).fingerprint == 0x3442_193E)
    }

    @Test func hardenedIndexIsRefused() throws {
        let key = try ExtendedPublicKey(Self.m0H1)
        #expect(throws: ExtendedKeyError.hardenedIndex(0x8000_0002)) { try key.derive(index: 0x8000_0002) }
        #expect(throws: ExtendedKeyError.hardenedIndex(UInt32.max)) { try key.derive(index: .max) }
        #expect(throws: ExtendedKeyError.hardenedIndex(0x8000_0000)) { try key.deriveSkippingInvalid(from: 0x8000_0000) }
        #expect(throws: Never.self) { try key.derive(index: 0x7FFF_FFFF) }
    }

    @Test func skippingHelperReturnsTheRequestedIndexWhenValid() throws {
        let key = try ExtendedPublicKey(Self.m0H12H)
        let (index, child) = try key.deriveSkippingInvalid(from: 2)
        #expect(index == 2)
        #expect(child.serialize() == Self.m0H12H2)
    }

    @Test func depth255CannotHaveChildren() throws {
        let key = try ExtendedPublicKey(Self.m0H1)
        let deep = try ExtendedPublicKey(
            depth: 255, parentFingerprint: 1, childNumber: 1, chainCode: key.chainCode, publicKey: key.publicKey
        )
        #expect(throws: ExtendedKeyError.depthOverflow) { try deep.derive(index: 0) }
    }

    @Test func errorMessagesAreHelpful() {
        #expect(ExtendedKeyError.hardenedIndex(0x8000_0000).description.contains("hardened"))
        #expect(ExtendedKeyError.invalidChild(7).description.contains("next index"))
    }
}
