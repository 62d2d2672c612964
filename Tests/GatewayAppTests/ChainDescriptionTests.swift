import Ethereum
import GatewayCore
import Testing
@testable import GatewayApp

/// One pipeline, several chains: what a chain's description decides, without I/O.
@Suite("Chain descriptions")
struct ChainDescriptionTests {
    static let address = try! EthereumAddress(hex: "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c")

    static let tron = ChainDescription(
        chain: .tron, chainID: 0x2b66_53dc, confirmations: 20, nativeAsset: nil, tokens: [.usdt: address],
        addressCodec: .tronBase58, dialect: .tron
    )

    @Test func keysCarryTheChainAndItsDecimalID() throws {
        let tx = "0xABCDEF"
        #expect(try Self.tron.depositKey(txHash: tx, asset: .usdt, ordinal: 1).rawValue == "tron:728126428:0xabcdef:usdt:1")
        let ethereum = ChainDescription(
            chain: .ethereum, chainID: 1, confirmations: 12, nativeAsset: .eth, tokens: [.usdt: Self.address],
            addressCodec: .eip55, dialect: .ethereum
        )
        #expect(try ethereum.depositKey(txHash: tx, asset: .eth, ordinal: -1).rawValue == "eth:1:0xabcdef:-1", "as ever")
        #expect(try ethereum.depositKey(txHash: tx, asset: .usdt, ordinal: 0).rawValue == "eth:1:0xabcdef:usdt:0")
    }

    @Test func eachChainHasItsLeaseAndEthereumKeepsItsOldName() {
        #expect(Self.tron.leaseName == "tron-watcher")
        let ethereum = ChainDescription(
            chain: .ethereum, chainID: 1, confirmations: 12, nativeAsset: .eth, tokens: [:], addressCodec: .eip55, dialect: .ethereum
        )
        #expect(ethereum.leaseName == "eth-watcher", "a rolling upgrade never runs two active Ethereum watchers")
    }

    @Test func addressesAreWrittenTheChainsWay() {
        #expect(ChainDescription.AddressCodec.tronBase58.display(Self.address) == "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
        #expect(ChainDescription.AddressCodec.eip55.display(Self.address) == Self.address.checksummed)
        #expect(!ChainDescription.RPCDialect.tron.stateAtAnyBlock && ChainDescription.RPCDialect.ethereum.stateAtAnyBlock)
    }
}
