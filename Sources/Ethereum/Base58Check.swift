import Crypto

/// Base58Check as Bitcoin and BIP32 define it: Base58 (alphabet without 0 O I l) over
/// payload || first 4 bytes of SHA256(SHA256(payload)). Leading zero bytes become '1's.
/// Here it carries extended keys only, so its errors are `ExtendedKeyError`s.
enum Base58Check {
    static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    /// Longest input decoded at all. Decoding is quadratic in length; an xpub has 111
    /// characters, so 200 leaves room for any 82-byte payload and refuses pasted junk early.
    static let maxCharacters = 200

    /// ASCII byte -> digit value, -1 for bytes outside the alphabet.
    private static let digitValues: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = Int8(value)
        }
        return table
    }()

    static func encode(payload: [UInt8]) -> String {
        let bytes = payload + checksum(of: payload)
        let zeros = bytes.prefix { $0 == 0 }.count
        // Repeated division of a big-endian base-256 number by 58, least significant digit first.
        var digits = [UInt8]()
        digits.reserveCapacity(bytes.count * 138 / 100 + 1)  // log(256) / log(58) ≈ 1.37
        for byte in bytes.dropFirst(zeros) {
            var carry = Int(byte)
            for i in digits.indices {
                carry += Int(digits[i]) << 8
                digits[i] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        let characters = [UInt8](repeating: alphabet[0], count: zeros) + digits.reversed().map { alphabet[Int($0)] }
        return String(decoding: characters, as: UTF8.self)
    }

    /// Decodes `string` and checks its checksum. Checks run cheapest and most specific first,
    /// so a truncated key reports its length rather than a checksum mismatch.
    static func decode(_ string: String, payloadLength: Int) throws(ExtendedKeyError) -> [UInt8] {
        let characters = Array(string.utf8)
        guard !characters.isEmpty else { throw .empty }
        if let position = characters.firstIndex(where: { digitValues[Int($0)] < 0 }) {
            throw .invalidBase58Character(position: position)
        }
        guard characters.count <= maxCharacters else { throw .tooLong(characters: characters.count) }

        let bytes = decodeDigits(characters)
        guard bytes.count == payloadLength + 4 else { throw .wrongLength(decodedBytes: bytes.count) }
        let payload = Array(bytes.prefix(payloadLength))
        guard bytes.suffix(4).elementsEqual(checksum(of: payload)) else { throw .badChecksum }
        return payload
    }

    /// Base58 digits (already validated) to bytes: multiply-accumulate into base 256.
    private static func decodeDigits(_ characters: [UInt8]) -> [UInt8] {
        let ones = characters.prefix { $0 == alphabet[0] }.count
        var bytes = [UInt8]()  // little-endian while accumulating
        bytes.reserveCapacity(characters.count * 733 / 1000 + 1)  // log(58) / log(256) ≈ 0.732
        for character in characters.dropFirst(ones) {
            var carry = Int(digitValues[Int(character)])
            for i in bytes.indices {
                carry += Int(bytes[i]) * 58
                bytes[i] = UInt8(truncatingIfNeeded: carry)
                carry >>= 8
            }
            while carry > 0 {
                bytes.append(UInt8(truncatingIfNeeded: carry))
                carry >>= 8
            }
        }
        return [UInt8](repeating: 0, count: ones) + bytes.reversed()
    }

    static func checksum(of payload: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array(SHA256.hash(data: payload))).prefix(4))
    }
}
