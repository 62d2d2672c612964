import CSecp256k1

/// The one libsecp256k1 context this module uses, created once and shared.
///
/// `@unchecked Sendable` is sound because libsecp256k1 (0.2.0, secp256k1.h) says: "A
/// constructed context can safely be used from multiple threads simultaneously, but API
/// calls that take a non-const pointer to a context need exclusive access to it." After
/// `init`, this type passes the context only to calls taking `const secp256k1_context*`
/// (ec_pubkey_parse, ec_pubkey_tweak_add, ec_pubkey_serialize). The one non-const call,
/// `secp256k1_context_destroy`, runs in `deinit`, when no other reference can exist.
/// `secp256k1_context_randomize` is never called: it protects secret-key operations, and
/// this module handles public keys only.
final class Secp256k1Context: @unchecked Sendable {
    /// Shared because creating a context allocates and every caller would make the same one;
    /// it holds no mutable state after creation (see the type's comment).
    static let shared = Secp256k1Context()

    let pointer: OpaquePointer

    private init() {
        // SECP256K1_CONTEXT_NONE is the only non-deprecated flag in 0.2.0. The call returns
        // NULL only if allocation fails, which leaves nothing sensible to do.
        guard let pointer = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            fatalError("secp256k1_context_create failed: out of memory")
        }
        self.pointer = pointer
    }

    deinit {
        secp256k1_context_destroy(pointer)
    }

    /// Parses a 33-byte compressed key (02/03 prefix). Other lengths and the 65-byte
    /// uncompressed/hybrid forms are refused here, before libsecp256k1 sees them.
    func parseCompressed(_ bytes: [UInt8]) -> secp256k1_pubkey? {
        guard bytes.count == 33, bytes[0] == 0x02 || bytes[0] == 0x03 else { return nil }
        var key = secp256k1_pubkey()
        let ok = bytes.withUnsafeBufferPointer { input in
            // A non-empty array always has storage; the guard only spares us a force-unwrap.
            guard let base = input.baseAddress else { return Int32(0) }
            return secp256k1_ec_pubkey_parse(pointer, &key, base, 33)
        }
        return ok == 1 ? key : nil
    }

    /// True if `bytes` is a 65-byte SEC1 uncompressed point (0x04 || X || Y) on the curve.
    /// The 0x06/0x07 "hybrid" forms libsecp256k1 also accepts are refused here.
    func parseUncompressed(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 65, bytes[0] == 0x04 else { return false }
        var key = secp256k1_pubkey()
        let ok = bytes.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress else { return Int32(0) }
            return secp256k1_ec_pubkey_parse(pointer, &key, base, 65)
        }
        return ok == 1
    }

    /// `key += tweak * G`. False when the tweak is >= n or the sum is the point at infinity
    /// (BIP32's "invalid child"); `key` is then unusable. `tweak` must hold >= 32 bytes.
    func tweakAdd(_ key: inout secp256k1_pubkey, tweak: UnsafeRawBufferPointer) -> Bool {
        // libsecp256k1 reads exactly 32 bytes; callers pass I_L of a 64-byte HMAC-SHA512.
        guard tweak.count >= 32, let base = tweak.baseAddress else { return false }
        return secp256k1_ec_pubkey_tweak_add(pointer, &key, base.assumingMemoryBound(to: UInt8.self)) == 1
    }

    func serializeCompressed(_ key: secp256k1_pubkey) -> [UInt8] {
        serialize(key, length: 33, flags: UInt32(SECP256K1_EC_COMPRESSED))
    }

    /// 65 bytes: 0x04 || X || Y, the form Ethereum hashes (without the 0x04).
    func serializeUncompressed(_ key: secp256k1_pubkey, into output: UnsafeMutablePointer<UInt8>) {
        var length = 65  // in: buffer size, out: bytes written; "Returns: 1 always"
        var key = key
        _ = secp256k1_ec_pubkey_serialize(pointer, output, &length, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
    }

    private func serialize(_ key: secp256k1_pubkey, length: Int, flags: UInt32) -> [UInt8] {
        var key = key
        return [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            var written = length
            guard let base = buffer.baseAddress else { return }  // capacity is 33 or 65, never 0
            _ = secp256k1_ec_pubkey_serialize(pointer, base, &written, &key, flags)
            initialized = written
        }
    }
}
