import Testing
@testable import Ethereum

@Suite struct AddressDeriverTests {
    /// "abandon ×11 about", m/44'/60'/0'/0/0…4 (facts file C2; MetaMask/Trust public constants).
    static let abandonAddresses = [
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
        "0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0",
        "0xb6716976A3ebe8D39aCEB04372f22Ff8e6802D7A",
        "0xF3f50213C1d2e255e4B2bAD430F8A38EEF8D718E",
        "0x51cA8ff9f1C0a99f88E86B8112eA3237F55374cA",
    ]

    @Test func abandonMnemonicAddresses() throws {
        let deriver = try AddressDeriver(externalChain: ExtendedPublicKey(TestKeys.abandonExternalChain))
        for (index, expected) in Self.abandonAddresses.enumerated() {
            #expect(try deriver.address(at: UInt32(index)).checksummed == expected)
        }
    }

    @Test func accountXpubDerivesTheSameThroughTheChangeLevel() throws {
        // m/44'/60'/0' then 0 then i must equal the external-chain path.
        let account = try ExtendedPublicKey(TestKeys.abandonAccount)
        let external = try account.derive(index: 0)
        #expect(external.serialize() == TestKeys.abandonExternalChain)
        let deriver = try AddressDeriver(externalChain: external)
        #expect(try deriver.address(at: 2).checksummed == Self.abandonAddresses[2])
    }

    @Test func accountXpubIsRefusedAsExternalChain() throws {
        let account = try ExtendedPublicKey(TestKeys.abandonAccount)
        let error = #expect(throws: ExtendedKeyError.self) { try AddressDeriver(externalChain: account) }
        #expect(error == .notExternalChain(depth: 3, childNumber: 0x8000_0000))
        #expect(error?.description.contains("m/44'/60'/0'/0") == true)
    }

    @Test func hardenedIndexIsRefused() throws {
        let deriver = try AddressDeriver(externalChain: ExtendedPublicKey(TestKeys.abandonExternalChain))
        #expect(throws: ExtendedKeyError.hardenedIndex(0x8000_0000)) { try deriver.address(at: 0x8000_0000) }
    }

    @Test func matchesGeneralDerivationPath() throws {
        // The fast path (no child xpub built) agrees with derive(index:) + address-from-key.
        var rng = SeededGenerator(state: 0xE7_0005)
        let xpub = try TestKeys.randomExternalChain(using: &rng)
        let deriver = try AddressDeriver(externalChain: xpub)
        for index in [UInt32(0), 1, 2, 1_000, 0x7FFF_FFFF] {
            let child = try xpub.derive(index: index)
            let point = try #require(Secp256k1Context.shared.parseCompressed(child.publicKey))
            var sec1 = [UInt8](repeating: 0, count: 65)
            sec1.withUnsafeMutableBufferPointer { Secp256k1Context.shared.serializeUncompressed(point, into: $0.baseAddress!) }
            #expect(try deriver.address(at: index) == EthereumAddress(uncompressedPublicKey: sec1))
        }
    }

    @Test func concurrentUseGivesTheSameAddresses() async throws {
        // One deriver shared by many tasks: the Sendable claim, exercised.
        let deriver = try AddressDeriver(externalChain: ExtendedPublicKey(TestKeys.abandonExternalChain))
        let sequential = try (UInt32(0)..<2_000).map { try deriver.address(at: $0) }
        let concurrent = try await withThrowingTaskGroup(of: (UInt32, [EthereumAddress]).self) { group in
            for chunk in UInt32(0)..<8 {
                group.addTask {
                    let range = (chunk * 250)..<((chunk + 1) * 250)
                    return (chunk, try range.map { try deriver.address(at: $0) })
                }
            }
            var results = [[EthereumAddress]](repeating: [], count: 8)
            for try await (chunk, addresses) in group { results[Int(chunk)] = addresses }
            return results.flatMap { $0 }
        }
        #expect(concurrent == sequential)
    }
}
