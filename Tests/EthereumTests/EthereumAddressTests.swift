import Testing
@testable import Ethereum

/// EIP-55 vectors: ethereum/ERCs ERCS/erc-55.md "Test Cases" (facts file C3).
@Suite struct EthereumAddressTests {
    static let checksummedVectors = [
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]

    @Test(arguments: checksummedVectors)
    func eip55RoundTrip(vector: String) throws {
        let address = try EthereumAddress(hex: vector)
        #expect(address.checksummed == vector)
        #expect(address.lowercaseHex == vector.lowercased())
    }

    @Test(arguments: checksummedVectors)
    func lowerAndUpperCaseAreAcceptedWithoutChecksum(vector: String) throws {
        let address = try EthereumAddress(hex: vector)
        #expect(try EthereumAddress(hex: vector.lowercased()) == address)
        #expect(try EthereumAddress(hex: "0x" + vector.dropFirst(2).uppercased()) == address)
        #expect(try EthereumAddress(hex: String(vector.dropFirst(2))) == address)  // 0x optional
    }

    @Test func usdtContractChecksum() throws {
        let usdt = try EthereumAddress(hex: "0xdac17f958d2ee523a2206206994597c13d831ec7")
        #expect(usdt.checksummed == "0xdAC17F958D2ee523a2206206994597C13D831ec7")
    }

    @Test func badMixedCaseChecksumIsRefused() {
        // One letter's case flipped in an EIP-55 vector.
        #expect(throws: AddressError.badChecksum) { try EthereumAddress(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD") }
        #expect(throws: AddressError.badChecksum) { try EthereumAddress(hex: "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") }
    }

    @Test func malformedStringsAreRefused() {
        #expect(throws: AddressError.wrongLength(hexDigits: 0)) { try EthereumAddress(hex: "") }
        #expect(throws: AddressError.wrongLength(hexDigits: 0)) { try EthereumAddress(hex: "0x") }
        #expect(throws: AddressError.wrongLength(hexDigits: 39)) { try EthereumAddress(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe") }
        #expect(throws: AddressError.wrongLength(hexDigits: 41)) { try EthereumAddress(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0") }
        #expect(throws: AddressError.invalidHexCharacter(position: 41)) { try EthereumAddress(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg") }
        #expect(throws: AddressError.invalidHexCharacter(position: 2)) { try EthereumAddress(hex: "0x 5aeb6053f3e94c9b9a09f33669435e7ef1beaed") }
        #expect(throws: AddressError.self) { try EthereumAddress(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAé") }
    }

    @Test func bytesRoundTrip() throws {
        let bytes = (1...20).map { UInt8($0 * 12) }
        let address = try EthereumAddress(bytes: bytes)
        #expect(address.bytes == bytes)
        #expect(throws: AddressError.wrongByteCount(19)) { try EthereumAddress(bytes: bytes.dropLast()) }
    }

    @Test func fromUncompressedPublicKey() throws {
        // m/44'/60'/0'/0/0 of "abandon ×11 about": private key 1ab42cc4…b727 (facts file C2);
        // its public key computed with libsecp256k1 in-test, not by the library.
        let xpub = try ExtendedPublicKey(TestKeys.abandonExternalChain)
        let child = try xpub.derive(index: 0)
        let point = try #require(Secp256k1Context.shared.parseCompressed(child.publicKey))
        var sec1 = [UInt8](repeating: 0, count: 65)
        sec1.withUnsafeMutableBufferPointer { Secp256k1Context.shared.serializeUncompressed(point, into: $0.baseAddress!) }
        #expect(try EthereumAddress(uncompressedPublicKey: sec1).checksummed == "0x9858EfFD232B4033E47d90003D41EC34EcaEda94")
        #expect(try EthereumAddress(uncompressedPublicKey: Array(sec1.dropFirst())).checksummed
            == "0x9858EfFD232B4033E47d90003D41EC34EcaEda94")
        var offCurve = sec1
        offCurve[64] ^= 1
        #expect(throws: AddressError.invalidPublicKey) { try EthereumAddress(uncompressedPublicKey: offCurve) }
        #expect(throws: AddressError.invalidPublicKey) { try EthereumAddress(uncompressedPublicKey: child.publicKey) }
    }

    @Test func compactAndHashable() throws {
        // 20 bytes inline, no heap object: what keeps a Set of millions small.
        #expect(MemoryLayout<EthereumAddress>.size == 20)
        #expect(MemoryLayout<EthereumAddress>.stride == 24)
        let deriver = try AddressDeriver(externalChain: ExtendedPublicKey(TestKeys.abandonExternalChain))
        var set = Set<EthereumAddress>()
        for index in UInt32(0)..<2_000 { set.insert(try deriver.address(at: index)) }
        #expect(set.count == 2_000)
        #expect(set.contains(try EthereumAddress(hex: "0x51cA8ff9f1C0a99f88E86B8112eA3237F55374cA")))
    }
}
