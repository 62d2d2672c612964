import Testing
@testable import Ethereum

/// Tron addresses: the same keys and 20-byte ids as Ethereum, written Base58Check(0x41 ‖ id).
@Suite("Tron addresses")
struct TronAddressTests {
    /// The "abandon … about" mnemonic's m/44'/195'/0'/0 (SLIP-44 coin 195), from the issue, and
    /// its first addresses as TronLink and bip_utils show them.
    static let xpub = "xpub6EuK4CZWW5urEHdwAVDdDw327danAtccFcrXYvgf1DHrPXRwErt36xStQ2PNhn4hpwzPbzJ8pJVpewgChRnSs59q5Ay61GCfQZKUe71gbLq"
    static let first = ["TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH", "TSeJkUh4Qv67VNFwY8LaAxERygNdy6NQZK", "TYJPRrdB5APNeRs4R7fYZSwW3TcrTKw2gx"]

    @Test func theMnemonicVectorsDerive() throws {
        let deriver = try AddressDeriver(externalChain: try ExtendedPublicKey(Self.xpub))
        let addresses = try (0..<3).map { TronAddress(evm: try deriver.address(at: UInt32($0))).base58 }
        #expect(addresses == Self.first)
    }

    @Test func parsesBase58AndHexAndRoundTrips() throws {
        // Mainnet USDT-TRC20, in both forms Tron's tools print.
        let usdt = try TronAddress(parsing: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
        #expect(usdt.hex41 == "41a614f803b6fd780986a42c78ec9c7f77e6ded13c")
        #expect(usdt.evm.lowercaseHex == "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c")
        #expect(try TronAddress(parsing: "41a614f803b6fd780986a42c78ec9c7f77e6ded13c") == usdt)
        #expect(try TronAddress(parsing: "0x41A614F803B6FD780986A42C78EC9C7F77E6DED13C") == usdt)
        #expect(try TronAddress(parsing: usdt.base58).base58 == "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    }

    @Test(arguments: [
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",   // one character off: checksum
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",   // a Bitcoin address: prefix 0x00
        "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c",  // Ethereum hex, no 41
        "TR7NHqjeKQxGTCi8q8ZY4pL8ot",           // truncated
        "",
    ])
    func refusesWhatIsNotATronAddress(text: String) {
        #expect(throws: AddressError.self) { try TronAddress(parsing: text) }
    }
}
