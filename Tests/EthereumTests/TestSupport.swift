import CSecp256k1
@testable import Ethereum

extension Array where Element == UInt8 {
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
    }
}

/// SplitMix64: a seeded generator so fuzz and random-key tests replay exactly on failure.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D4_9BB1_3311_EB49
        return z ^ (z >> 31)
    }
}

enum TestKeys {
    /// BIP39 "abandon ×11 about", m/44'/60'/0'/0 (facts file C2).
    static let abandonExternalChain =
        "xpub6EF8jXqFeFEW5bwMU7RpQtHkzE4KJxcqJtvkCjJumzW8CPpacXkb92ek4WzLQXjL93HycJwTPUAcuNxCqFPKKU5m5Z2Vq4nCyh5CyPeBFFr"
    /// Same mnemonic, account level m/44'/60'/0' (depth 3): NOT acceptable for AddressDeriver.
    static let abandonAccount =
        "xpub6DCoCpSuQZB2jawqnGMEPS63ePKWkwWPH4TU45Q7LPXWuNd8TMtVxRrgjtEshuqpK3mdhaWHPFsBngh5GFZaM6si3yZdUsT8ddYM3PwnATt"

    /// A fresh external-chain-shaped xpub (depth 4, child 0) from a random secret that lives
    /// only in this function: the library under test never sees private material.
    static func randomExternalChain<G: RandomNumberGenerator>(using generator: inout G) throws -> ExtendedPublicKey {
        guard let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            throw TestFailure("secp256k1_context_create failed")
        }
        defer { secp256k1_context_destroy(context) }
        var key = secp256k1_pubkey()
        // A uniform 32-byte value is >= n or zero with probability ~2^-128; retry if so.
        while true {
            let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if secp256k1_ec_pubkey_create(context, &key, secret) == 1 { break }
        }
        var compressed = [UInt8](repeating: 0, count: 33)
        var length = 33
        _ = secp256k1_ec_pubkey_serialize(context, &compressed, &length, &key, UInt32(SECP256K1_EC_COMPRESSED))
        return try ExtendedPublicKey(
            depth: 4,
            parentFingerprint: UInt32.random(in: 0...UInt32.max, using: &generator),
            childNumber: 0,
            chainCode: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) },
            publicKey: compressed
        )
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
