extension EthereumAddress {
    /// Parses "0x" + 40 hex digits ("0x" may be omitted). All-lowercase and all-uppercase
    /// carry no checksum and are accepted as they are; mixed case must be the exact EIP-55
    /// form, so a mistyped checksummed address is refused instead of paid to.
    public init(hex string: String) throws(AddressError) {
        let characters = Array(string.utf8)
        let prefixLength = characters.starts(with: "0x".utf8) ? 2 : 0
        let digits = characters[prefixLength...]
        guard digits.count == 2 * Self.byteCount else { throw .wrongLength(hexDigits: digits.count) }

        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.byteCount)
        var sawLower = false, sawUpper = false
        for pairStart in stride(from: digits.startIndex, to: digits.endIndex, by: 2) {
            var byte: UInt8 = 0
            for position in pairStart..<(pairStart + 2) {
                let character = digits[position]
                let value: UInt8
                switch character {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10; sawLower = true
                case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10; sawUpper = true
                default: throw .invalidHexCharacter(position: position)
                }
                byte = byte << 4 | value
            }
            bytes.append(byte)
        }

        try self.init(bytes: bytes)
        if sawLower && sawUpper {
            guard checksummed.utf8.dropFirst(2).elementsEqual(digits) else { throw .badChecksum }
        }
    }
}
