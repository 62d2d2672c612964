/// A block's `logsBloom` (Yellow Paper §4.3.1, M3:2048): 2048 bits in which every log's
/// address and each of its topics set three bits. A bloom can say "maybe" wrongly but never
/// "no" wrongly, which is what lets the watcher notice an `eth_getLogs` answer that left a
/// block's logs out.
///
/// Written here rather than taken from a library: it is eleven lines over the Keccak this
/// module already has, and no Swift package on this machine provides it.
public struct LogsBloom: Sendable, Equatable {
    /// The bloom's size in bytes.
    public static let byteCount = 256
    let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(RPCError) {
        guard bytes.count == Self.byteCount else { throw .malformed("logsBloom is \(bytes.count) bytes, not \(Self.byteCount)") }
        self.bytes = bytes
    }

    /// False only when no log of the block has `item` (an address's 20 bytes or a topic's 32).
    public func mayContain<D: Collection<UInt8>>(_ item: D) -> Bool {
        let digest = Keccak256.hash(item)
        for pair in 0..<3 {
            // The low 11 bits of each of the digest's first three byte pairs pick a bit,
            // counted from the bloom's last byte.
            let bit = (Int(digest[2 * pair]) << 8 | Int(digest[2 * pair + 1])) & 0x7FF
            guard bytes[Self.byteCount - 1 - bit / 8] & (1 << (bit % 8)) != 0 else { return false }
        }
        return true
    }

    /// Whether the block may hold a log from `contract` with `topic` (32 bytes) among its topics.
    public func mayHold(contract: EthereumAddress, topic: [UInt8]) -> Bool {
        mayContain(contract.bytes) && mayContain(topic)
    }
}
