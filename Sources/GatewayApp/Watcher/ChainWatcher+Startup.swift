import Ethereum
import Foundation
import GatewayCore

/// What the watcher checks before it follows a chain: that the node is on the configured
/// chain, and that each token contract is the asset it is configured as.
extension ChainWatcher {
    /// Checks `eth_chainId` and the token contracts against the configuration; the watcher
    /// refuses to run otherwise.
    public func checkChain() async throws {
        let prefix = chain.chain.configPrefix
        let reported = try await node.chainID()
        guard reported == chainID else {
            throw ConfigError(key: "\(prefix)_CHAIN_ID", problem: "is \(chainID) but the node at \(prefix)_RPC_URL reports chain \(reported)")
        }
        for (asset, contract) in chain.tokens.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try await checkToken(asset, at: contract, configKey: "\(prefix)_\(asset.rawValue)_CONTRACT")
        }
    }

    /// ERC-20 `decimals()`.
    static let decimalsSelector: [UInt8] = [0x31, 0x3c, 0xe5, 0x67]

    /// A misconfigured contract would credit another token, or the right one at a wrong scale:
    /// the contract must answer `decimals()` with the asset's decimals (6 for USDT on both
    /// chains). A node that cannot answer now is not a reason to stop: that is logged, and the
    /// check happens at the next start.
    private func checkToken(_ asset: Asset, at contract: EthereumAddress, configKey: String) async throws {
        let answer: [UInt8]
        do { answer = try await node.callAtLatest(to: contract, data: Self.decimalsSelector) } catch {
            logger.warning("could not read the token contract's decimals; not checked", metadata: [
                "asset": "\(asset.rawValue)", "contract": "\(contract.checksummed)", "error": "\(error)",
            ])
            return
        }
        let shown = chain.chain == .tron ? TronAddress(evm: contract).base58 : contract.checksummed
        guard answer.count == 32, answer.prefix(31).allSatisfy({ $0 == 0 }), Int(answer[31]) == asset.decimals else {
            let what = answer.isEmpty ? "no contract answers there" : "decimals() answered \(Hex.encode(answer))"
            throw ConfigError(key: configKey, problem: "\(shown) is not a \(asset.rawValue) contract with \(asset.decimals) decimals: \(what)")
        }
    }
}
