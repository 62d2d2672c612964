/// Keccak-256 as Ethereum uses it: the ORIGINAL Keccak padding (first pad byte 0x01),
/// not FIPS-202 SHA3-256 (0x06). The two differ on every input, so no SHA3-256
/// implementation can stand in for it (and swift-crypto 3.x ships neither).
///
/// Sponge parameters: 1600-bit state of 25 little-endian UInt64 lanes, capacity 512 bits,
/// so the rate is 136 bytes (17 lanes) per block; 24 rounds of Keccak-f[1600].
public enum Keccak256 {
    /// Bytes absorbed per permutation: (1600 - 2 * 256) / 8.
    static let rateBytes = 136
    static let rateLanes = rateBytes / 8

    /// The 32-byte digest of `data`.
    public static func hash<D: Collection<UInt8>>(_ data: D) -> [UInt8] {
        // Contiguous inputs ([UInt8], slices, UTF8View of native strings) hash in place;
        // anything else is copied once.
        let result = data.withContiguousStorageIfAvailable { Self.digest(of: UnsafeRawBufferPointer($0)) }
            ?? Array(data).withUnsafeBytes { Self.digest(of: $0) }
        return result.bytes
    }

    /// Digest without any heap allocation: the state and the last padded block live on the
    /// stack. The hot path of address derivation calls this directly.
    static func digest(of input: UnsafeRawBufferPointer) -> Keccak256Digest {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 25) { stateBuffer in
            // A non-nil base address is guaranteed for a non-zero capacity.
            let state = stateBuffer.baseAddress.unsafelyUnwrapped
            state.initialize(repeating: 0, count: 25)

            var offset = 0
            while input.count - offset >= rateBytes {
                absorb(block: UnsafeRawBufferPointer(rebasing: input[offset..<(offset + rateBytes)]), into: state)
                offset += rateBytes
            }

            // Final block: the 0..135 leftover bytes, then pad10*1 with Keccak's domain byte.
            // When the leftover is 135 bytes both pad bits land in the same byte (0x81).
            withUnsafeTemporaryAllocation(byteCount: rateBytes, alignment: 8) { last in
                last.initializeMemory(as: UInt8.self, repeating: 0)
                let tail = UnsafeRawBufferPointer(rebasing: input[offset...])
                if !tail.isEmpty {
                    last.copyMemory(from: tail)
                }
                last[tail.count] ^= 0x01
                last[rateBytes - 1] ^= 0x80
                absorb(block: UnsafeRawBufferPointer(last), into: state)
            }
            return Keccak256Digest(lane0: state[0], lane1: state[1], lane2: state[2], lane3: state[3])
        }
    }

    @inline(__always)
    private static func absorb(block: UnsafeRawBufferPointer, into state: UnsafeMutablePointer<UInt64>) {
        for lane in 0..<rateLanes {
            state[lane] ^= block.loadUnaligned(fromByteOffset: lane * 8, as: UInt64.self).littleEndian
        }
        keccakF1600(state)
    }
}

/// The first 256 bits of the squeezed state, as the four little-endian lanes they are.
/// Keeping lanes (not bytes) lets EthereumAddress take its last 20 bytes without an array.
struct Keccak256Digest {
    let lane0: UInt64
    let lane1: UInt64
    let lane2: UInt64
    let lane3: UInt64

    var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for lane in [lane0, lane1, lane2, lane3] {
            for shift in stride(from: 0, to: 64, by: 8) {
                out.append(UInt8(truncatingIfNeeded: lane &>> UInt64(shift)))
            }
        }
        return out
    }
}
