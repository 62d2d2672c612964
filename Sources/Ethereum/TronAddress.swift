/// A Tron account address. Tron uses the same keys and the same 20-byte account id as
/// Ethereum (the last 20 bytes of keccak256 of the uncompressed public key); what differs is
/// the text: Base58Check(`0x41` ‖ 20 bytes), the `T…` form wallets show, or `41…` hex in
/// Tron's HTTP API. Tron's Ethereum-compatible JSON-RPC speaks the 20 bytes as `0x…` hex, so
/// the watcher keeps `evm` and shows `base58`.
public struct TronAddress: Hashable, Sendable, CustomStringConvertible {
    /// The prefix byte of every mainnet (and testnet) Tron address.
    public static let prefix: UInt8 = 0x41

    /// The 20 bytes, as Ethereum's JSON-RPC writes them.
    public let evm: EthereumAddress

    public init(evm: EthereumAddress) { self.evm = evm }

    /// `T…`: Base58Check of `0x41` ‖ the 20 bytes (34 characters).
    public var base58: String { Base58Check.encode(payload: [Self.prefix] + evm.bytes) }

    /// `41…`: the 21 bytes as lowercase hex, as Tron's HTTP API writes them.
    public var hex41: String { "41" + String(evm.lowercaseHex.dropFirst(2)) }

    public var description: String { base58 }

    /// Accepts the `T…` form or `41…` hex (with or without `0x`).
    public init(parsing text: String) throws(AddressError) {
        let trimmed = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
        if trimmed.count == 42, trimmed.lowercased().hasPrefix("41") {
            // 41 ‖ 40 hex digits: the Ethereum parser checks the digits.
            self.init(evm: try EthereumAddress(hex: "0x" + trimmed.dropFirst(2).lowercased()))
            return
        }
        let payload: [UInt8]
        do { payload = try Base58Check.decode(text, payloadLength: 21) } catch {
            throw .notTron
        }
        guard payload.first == Self.prefix else { throw .notTron }
        self.init(evm: try EthereumAddress(bytes: payload.dropFirst()))
    }
}
