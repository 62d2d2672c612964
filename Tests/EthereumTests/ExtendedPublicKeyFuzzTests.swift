import Crypto
import Testing
@testable import Ethereum

/// Parsing must never trap: every input either parses or throws an ExtendedKeyError.
/// Seeded, so a failure replays exactly.
@Suite struct ExtendedPublicKeyFuzzTests {
    static let valid = TestKeys.abandonExternalChain

    @Test func randomStrings() {
        var rng = SeededGenerator(state: 0xE7_0001)
        let pool = Array(String(decoding: Base58Check.alphabet, as: UTF8.self) + "0OIl +/=\n\t\0éß€😀")
        for _ in 0..<4_000 {
            let length = Int.random(in: 0...140, using: &rng)
            let text = String((0..<length).map { _ in pool.randomElement(using: &rng) ?? "1" })
            #expect(throws: ExtendedKeyError.self) { try ExtendedPublicKey(text) }
        }
    }

    @Test func randomBase58OfXpubLength() {
        // Only Base58 characters, 111 long and starting "xpub": exercises decode and checksum.
        var rng = SeededGenerator(state: 0xE7_0002)
        for _ in 0..<2_000 {
            let tail = (0..<107).map { _ in Base58Check.alphabet[Int.random(in: 0..<58, using: &rng)] }
            let text = "xpub" + String(decoding: tail, as: UTF8.self)
            #expect(throws: ExtendedKeyError.self) { try ExtendedPublicKey(text) }
        }
    }

    @Test func singleCharacterSubstitutionsAreCaught() {
        var rng = SeededGenerator(state: 0xE7_0003)
        var characters = Array(Self.valid.utf8)
        for _ in 0..<2_000 {
            let position = Int.random(in: 0..<characters.count, using: &rng)
            let original = characters[position]
            var replacement = original
            while replacement == original {
                replacement = Base58Check.alphabet[Int.random(in: 0..<58, using: &rng)]
            }
            characters[position] = replacement
            let text = String(decoding: characters, as: UTF8.self)
            #expect(throws: ExtendedKeyError.self, "substitution at \(position)") { try ExtendedPublicKey(text) }
            characters[position] = original
        }
    }

    @Test func everyPrefixIsRefused() {
        for length in 0..<Self.valid.count {
            #expect(throws: ExtendedKeyError.self) { try ExtendedPublicKey(String(Self.valid.prefix(length))) }
        }
    }

    /// Valid checksums over random payloads reach the version and curve checks.
    @Test func randomPayloadsWithValidChecksum() throws {
        var rng = SeededGenerator(state: 0xE7_0004)
        var parsed = 0
        for round in 0..<3_000 {
            var payload = (0..<78).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if round % 3 != 0 { payload.replaceSubrange(0..<4, with: [0x04, 0x88, 0xB2, 0x1E]) }
            if round % 2 == 0 { payload[45] = [0x00, 0x02, 0x03, 0x04][Int.random(in: 0..<4, using: &rng)] }
            let text = Base58Check.encode(payload: payload)
            do {
                let key = try ExtendedPublicKey(text)
                #expect(key.serialize() == text)
                parsed += 1
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        // About a quarter have version xpub, prefix 02/03 and depth-consistent fields, and
        // half of those x-coordinates are on the curve: some must get through.
        #expect(parsed > 100)
    }
}
