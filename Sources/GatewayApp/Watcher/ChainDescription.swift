import Ethereum
import GatewayCore

/// What a watcher's jobs (follower, detector, confirmer) need to know of the chain they
/// follow, so that one pipeline serves Ethereum and Tron: its id and depth, the assets it
/// credits and their contracts, how its addresses are written, and which JSON-RPC dialect its
/// nodes speak.
public struct ChainDescription: Sendable {
    public let chain: Chain
    public let chainID: UInt64
    /// Confirmations before a credit: the block itself counts as one.
    public let confirmations: UInt64
    /// The native coin credited on this chain (ETH on Ethereum); nil where only tokens are.
    public let nativeAsset: Asset?
    /// Token contracts watched, by the asset they carry.
    public let tokens: [Asset: EthereumAddress]
    public let addressCodec: AddressCodec
    public let dialect: RPCDialect

    /// How the chain writes an account's 20 bytes for people.
    public enum AddressCodec: Sendable {
        /// `0x` + EIP-55 mixed-case hex.
        case eip55
        /// `T…` Base58Check of `0x41` ‖ the 20 bytes.
        case tronBase58

        public func display(_ address: EthereumAddress) -> String {
            switch self {
            case .eip55: address.checksummed
            case .tronBase58: TronAddress(evm: address).base58
            }
        }
    }

    /// Which block tags and state queries a chain's JSON-RPC answers.
    public enum RPCDialect: Sendable {
        /// Every tag; state (`eth_call`, `eth_getBalance`) at any block.
        case ethereum
        /// java-tron: numbers, `latest`, `earliest` and `finalized`, never `pending`; state at
        /// `latest` only.
        case tron

        public var stateAtAnyBlock: Bool { self == .ethereum }
        /// Whether a block's `logsBloom` says what its logs hold. java-tron answers all zeros
        /// ("no value"), so on Tron it says nothing, and every block the range answer gave no
        /// Transfer for is asked again by hash.
        public var bloomIsReliable: Bool { self == .ethereum }
    }

    /// The lease its watcher holds. Ethereum keeps the name it always had, so a rolling upgrade
    /// never runs two active Ethereum watchers.
    public var leaseName: String {
        switch chain {
        case .ethereum: "eth-watcher"
        case .tron: "tron-watcher"
        }
    }

    /// The key of a deposit of `asset` at `ordinal` (-1 for the native coin).
    func depositKey(txHash: String, asset: Asset, ordinal: Int) throws -> IdempotencyKey {
        asset == nativeAsset
            ? try IdempotencyKey.nativeDeposit(chain: chain, chainID: chainID, txHash: txHash, logIndex: -1)
            : try IdempotencyKey.tokenDeposit(chain: chain, chainID: chainID, txHash: txHash, asset: asset.rawValue, ordinal: ordinal)
    }

    /// Tron as configured: USDT-TRC20 only (TRX is not credited), T… addresses, java-tron's
    /// dialect.
    public static func tron(_ settings: GatewayConfig.ChainSettings) -> ChainDescription {
        ChainDescription(
            chain: .tron, chainID: settings.chainID, confirmations: settings.confirmations, nativeAsset: nil,
            tokens: [.usdt: settings.usdtContract], addressCodec: .tronBase58, dialect: .tron
        )
    }

    /// Ethereum as configured.
    public static func ethereum(_ settings: GatewayConfig.EthereumSettings) -> ChainDescription {
        ChainDescription(
            chain: .ethereum, chainID: settings.chainID, confirmations: settings.confirmations, nativeAsset: .eth,
            tokens: [.usdt: settings.usdtContract], addressCodec: .eip55, dialect: .ethereum
        )
    }
}
