import Crypto
import Ethereum

/// SHA-256 as lowercase hex, the one spelling of every digest the gateway keeps: request
/// hashes, the audit chain, console session ids, derived idempotency keys.
enum Digest {
    static func sha256Hex(_ text: String) -> String { hex(SHA256.hash(data: Array(text.utf8))) }

    /// Two lowercase hex digits per byte, without `0x`.
    static func hex(_ bytes: some Sequence<UInt8>) -> String { String(Hex.encode(Array(bytes)).dropFirst(2)) }
}
