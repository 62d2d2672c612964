import Testing
@testable import Ethereum

/// Expected digests: facts file C4 (emn178/js-sha3, zig std tests) and, for the padding
/// boundary lengths and long inputs, pycryptodome's Crypto.Hash.keccak (digest_bits=256).
@Suite struct KeccakTests {
    @Test(arguments: [
        ("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
        ("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
        ("The quick brown fox jumps over the lazy dog",
         "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15"),
        ("The quick brown fox jumps over the lazy dog.",
         "578951e24efd62a3d63a86f7cd19aaa53c898fe287d2552133220370240b572d"),
        ("Transfer(address,address,uint256)",
         "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"),
    ])
    func textVectors(input: String, expected: String) {
        #expect(Keccak256.hash(Array(input.utf8)).hex == expected)
    }

    @Test func multiBlockSentence() {
        // 311 bytes, 3 blocks (js-sha3 test-keccak.js).
        let text = "The MD5 message-digest algorithm is a widely used cryptographic hash function producing a "
            + "128-bit (16-byte) hash value, typically expressed in text format as a 32 digit hexadecimal "
            + "number. MD5 has been utilized in a wide variety of cryptographic applications, and is also "
            + "commonly used to verify data integrity."
        #expect(text.utf8.count == 311)
        #expect(Keccak256.hash(Array(text.utf8)).hex == "af20018353ffb50d507f1555580f5272eca7fdab4f8295db4b1a9ad832c93f6d")
    }

    /// Bytes i % 251 for i in 0..<length, around the 136-byte rate: a pad byte landing in the
    /// same byte as the final 0x80 (135), an exact block (136), and one spilling over (137).
    @Test(arguments: [
        (1, "bc36789e7a1e281436464229828f817d6612f7b477d66591ff96a9e064bcc98a"),
        (135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"),
        (136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"),
        (137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"),
        (271, "27eceb59ebc3dc8a04a5b135be641591a7278540e4556a2ba9f408194e666ec3"),
        (272, "8e2476e65823b24d96ebe239f2c1534cdf763e689e2410c3b1cb0c74e6177bfc"),
        (273, "3f02f134370e4debb95140ef49ddd3aed8c65ff1ed83a43f1b269421f179c5f9"),
    ])
    func rateBoundaries(length: Int, expected: String) {
        let input = (0..<length).map { UInt8($0 % 251) }
        #expect(Keccak256.hash(input).hex == expected)
    }

    @Test func longInputs() {
        #expect(Keccak256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 200)).hex
            == "96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d")
        #expect(Keccak256.hash((0..<4096).map { UInt8($0 % 256) }).hex
            == "1c85a3e5666494583f321cd54285cc17276acf9aea34b207d43005bfa69d0a86")
        #expect(Keccak256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex
            == "fadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96")
    }

    @Test func notSHA3() {
        // SHA3-256("") from FIPS 202: Keccak's 0x01 padding must give something else.
        #expect(Keccak256.hash([UInt8]()).hex != "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
    }

    @Test func nonContiguousCollectionsHashTheSame() {
        let bytes = (0..<300).map { UInt8($0 % 256) }
        #expect(Keccak256.hash(bytes.lazy.map { $0 }) == Keccak256.hash(bytes))
        #expect(Keccak256.hash(bytes[7..<250]) == Keccak256.hash(Array(bytes[7..<250])))
    }
}
