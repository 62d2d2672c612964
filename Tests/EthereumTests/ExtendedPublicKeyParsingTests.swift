import Testing
@testable import Ethereum

@Suite struct ExtendedPublicKeyParsingTests {
    static let valid = TestKeys.abandonExternalChain

    @Test func validKeyFields() throws {
        let key = try ExtendedPublicKey(Self.valid)
        #expect(key.depth == 4)
        #expect(key.childNumber == 0)
        #expect(key.chainCode.count == 32)
        #expect(key.publicKey.count == 33)
    }

    @Test func emptyAndGarbage() {
        #expect(throws: ExtendedKeyError.empty) { try ExtendedPublicKey("") }
        #expect(throws: ExtendedKeyError.invalidBase58Character(position: 2)) { try ExtendedPublicKey("hello world") }  // "l"
        #expect(throws: ExtendedKeyError.invalidBase58Character(position: 3)) { try ExtendedPublicKey("abc def") }
        #expect(throws: ExtendedKeyError.invalidBase58Character(position: 0)) { try ExtendedPublicKey("0xdeadbeef") }
        #expect(throws: ExtendedKeyError.invalidBase58Character(position: 0)) { try ExtendedPublicKey(" " + Self.valid) }
        #expect(throws: ExtendedKeyError.invalidBase58Character(position: 111)) { try ExtendedPublicKey(Self.valid + "\n") }
        #expect(throws: ExtendedKeyError.invalidBase58Character(position: 4)) { try ExtendedPublicKey("xpub€") }
        #expect(throws: ExtendedKeyError.tooLong(characters: 300)) { try ExtendedPublicKey(String(repeating: "z", count: 300)) }
        #expect(throws: ExtendedKeyError.wrongLength(decodedBytes: 3)) { try ExtendedPublicKey("abcd") }
    }

    @Test func truncatedOrPadded() {
        #expect(throws: ExtendedKeyError.wrongLength(decodedBytes: 81)) { try ExtendedPublicKey(String(Self.valid.dropLast())) }
        #expect(throws: ExtendedKeyError.wrongLength(decodedBytes: 74)) { try ExtendedPublicKey(String(Self.valid.dropLast(10))) }
        #expect(throws: ExtendedKeyError.wrongLength(decodedBytes: 83)) { try ExtendedPublicKey(Self.valid + "z") }
        #expect(ExtendedKeyError.wrongLength(decodedBytes: 81).description.contains("truncated"))
    }

    @Test func wrongChecksum() {
        // BIP32 test vector 5, "invalid checksum" (an xprv, but the checksum is checked first).
        #expect(throws: ExtendedKeyError.badChecksum) {
            try ExtendedPublicKey("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHL")
        }
        // Last character changed in a valid xpub.
        #expect(throws: ExtendedKeyError.badChecksum) { try ExtendedPublicKey(String(Self.valid.dropLast()) + "s") }
    }

    @Test func otherPublicVersionsAreRefusedByName() throws {
        // The same key re-encoded as tpub and zpub (computed with Python; checksums valid).
        let tpub = "tpubDEcmFmewMXBxMQ8CvJQucod8KM9yJM7trXX3ZHN47uG1wgVHgkbgHUKaJZ57w2gZvwptDtTKvZzfbZSpE7EZCuY499moWbSSZefcjV56a5E"
        let zpub = "zpub6sufLsB5wcKTnCKb8q14q4UmLAMDCCbq97yBmX6gY1FtJbT37r5iP9y26vuWQM3AxKXb7G8aJnsifxBLGeDLuwSxpERLztRBX9CVkbq5jtW"
        #expect(throws: ExtendedKeyError.wrongVersion(0x0435_87CF)) { try ExtendedPublicKey(tpub) }
        #expect(throws: ExtendedKeyError.wrongVersion(0x04B2_4746)) { try ExtendedPublicKey(zpub) }
        #expect(ExtendedKeyError.wrongVersion(0x0435_87CF).description.contains("0x043587CF, tpub"))
    }

    @Test func privateKeysAreRefusedWithoutEchoingThem() throws {
        let xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
        let error = #expect(throws: ExtendedKeyError.self) { try ExtendedPublicKey(xprv) }
        #expect(error == .privateKeyGiven(version: 0x0488_ADE4))
        let message = try #require(error).description
        #expect(message.contains("accepts only extended PUBLIC keys"))
        #expect(message.contains("never private keys"))
        #expect(message.contains("xprv"))
        #expect(!message.contains(String(xprv.dropFirst(4).prefix(12))))
    }

    /// bitcoin/bips bip-0032.mediawiki "Test vector 5": every one must be refused, each for
    /// the reason the BIP gives (mapped to this service's errors: any private form is
    /// "private key given").
    @Test(arguments: [
        ("xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6LBpB85b3D2yc8sfvZU521AAwdZafEz7mnzBBsz4wKY5fTtTQBm",
         ExtendedKeyError.privateKeyGiven(version: nil)),  // pubkey version / prvkey mismatch
        ("xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGTQQD3dC4H2D5GBj7vWvSQaaBv5cxi9gafk7NF3pnBju6dwKvH",
         .privateKeyGiven(version: 0x0488_ADE4)),  // prvkey version / pubkey mismatch
        ("xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Txnt3siSujt9RCVYsx4qHZGc62TG4McvMGcAUjeuwZdduYEvFn",
         .invalidPublicKey),  // invalid pubkey prefix 04
        ("xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGpWnsj83BHtEy5Zt8CcDr1UiRXuWCmTQLxEK9vbz5gPstX92JQ",
         .privateKeyGiven(version: 0x0488_ADE4)),  // invalid prvkey prefix 04
        ("xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6N8ZMMXctdiCjxTNq964yKkwrkBJJwpzZS4HS2fxvyYUA4q2Xe4",
         .invalidPublicKey),  // invalid pubkey prefix 01
        ("xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFAzHGBP2UuGCqWLTAPLcMtD9y5gkZ6Eq3Rjuahrv17fEQ3Qen6J",
         .privateKeyGiven(version: 0x0488_ADE4)),  // invalid prvkey prefix 01
        ("xprv9s2SPatNQ9Vc6GTbVMFPFo7jsaZySyzk7L8n2uqKXJen3KUmvQNTuLh3fhZMBoG3G4ZW1N2kZuHEPY53qmbZzCHshoQnNf4GvELZfqTUrcv",
         .privateKeyGiven(version: 0x0488_ADE4)),  // zero depth with non-zero parent fingerprint
        ("xpub661no6RGEX3uJkY4bNnPcw4URcQTrSibUZ4NqJEw5eBkv7ovTwgiT91XX27VbEXGENhYRCf7hyEbWrR3FewATdCEebj6znwMfQkhRYHRLpJ",
         .inconsistentDepth),  // zero depth with non-zero parent fingerprint
        ("xprv9s21ZrQH4r4TsiLvyLXqM9P7k1K3EYhA1kkD6xuquB5i39AU8KF42acDyL3qsDbU9NmZn6MsGSUYZEsuoePmjzsB3eFKSUEh3Gu1N3cqVUN",
         .privateKeyGiven(version: 0x0488_ADE4)),  // zero depth with non-zero index
        ("xpub661MyMwAuDcm6CRQ5N4qiHKrJ39Xe1R1NyfouMKTTWcguwVcfrZJaNvhpebzGerh7gucBvzEQWRugZDuDXjNDRmXzSZe4c7mnTK97pTvGS8",
         .inconsistentDepth),  // zero depth with non-zero index
        ("DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHGMQzT7ayAmfo4z3gY5KfbrZWZ6St24UVf2Qgo6oujFktLHdHY4",
         .privateKeyGiven(version: 0x0101_0101)),  // unknown extended key version (key data 0x00…)
        ("DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHPmHJiEDXkTiJTVV9rHEBUem2mwVbbNfvT2MTcAqj3nesx8uBf9",
         .wrongVersion(0x0101_0101)),  // unknown extended key version
        ("xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzF93Y5wvzdUayhgkkFoicQZcP3y52uPPxFnfoLZB21Teqt1VvEHx",
         .privateKeyGiven(version: 0x0488_ADE4)),  // private key 0 not in 1..n-1
        ("xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFAzHGBP2UuGCqWLTAPLcMtD5SDKr24z3aiUvKr9bJpdrcLg1y3G",
         .privateKeyGiven(version: 0x0488_ADE4)),  // private key n not in 1..n-1
        ("xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Q5JXayek4PRsn35jii4veMimro1xefsM58PgBMrvdYre8QyULY",
         .invalidPublicKey),  // invalid pubkey 020000…07
    ])
    func bip32TestVector5(key: String, expected: ExtendedKeyError) {
        #expect(throws: expected) { try ExtendedPublicKey(key) }
    }

    @Test func componentInitValidates() throws {
        let key = try ExtendedPublicKey(Self.valid)
        #expect(throws: ExtendedKeyError.wrongLength(decodedBytes: 81)) {
            try ExtendedPublicKey(depth: 4, parentFingerprint: 1, childNumber: 0, chainCode: Array(key.chainCode.dropLast()), publicKey: key.publicKey)
        }
        #expect(throws: ExtendedKeyError.invalidPublicKey) {
            try ExtendedPublicKey(depth: 4, parentFingerprint: 1, childNumber: 0, chainCode: key.chainCode, publicKey: [0x02] + [UInt8](repeating: 0, count: 32))
        }
        #expect(throws: ExtendedKeyError.inconsistentDepth) {
            try ExtendedPublicKey(depth: 0, parentFingerprint: 1, childNumber: 0, chainCode: key.chainCode, publicKey: key.publicKey)
        }
    }
}
