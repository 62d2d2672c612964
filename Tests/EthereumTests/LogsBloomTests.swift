import Ethereum
import Testing

@Suite("Logs bloom")
struct LogsBloomTests {
    let token = try! EthereumAddress(hex: "0xdac17f958d2ee523a2206206994597c13d831ec7")
    let topic = try! Hex.data(erc20TransferTopic)

    @Test func anEmptyBloomHoldsNothingAndAFullOneMayHoldAnything() throws {
        #expect(!(try LogsBloom(bytes: [UInt8](repeating: 0, count: 256))).mayHold(contract: token, topic: topic))
        #expect(try LogsBloom(bytes: [UInt8](repeating: 0xFF, count: 256)).mayHold(contract: token, topic: topic))
        #expect(throws: RPCError.self) { try LogsBloom(bytes: [0]) }
    }

    @Test func theThreeBitsOfAnItemAreTheLow11BitsOfItsHashsFirstBytePairs() throws {
        // Set exactly the bits the item picks, computed here independently of the type.
        let digest = Keccak256.hash(token.bytes)
        var bytes = [UInt8](repeating: 0, count: 256)
        for pair in 0..<3 {
            let bit = (Int(digest[2 * pair]) << 8 | Int(digest[2 * pair + 1])) % 2048
            bytes[255 - bit / 8] |= 1 << (bit % 8)
        }
        let bloom = try LogsBloom(bytes: bytes)
        #expect(bloom.mayContain(token.bytes))
        #expect(!bloom.mayContain(topic), "another item's bits are not all set")
    }
}
