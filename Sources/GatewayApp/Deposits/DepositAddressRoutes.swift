import Ethereum
import GatewayCore
import Hummingbird
import Store

/// `POST|GET /v1/accounts/{id}/deposit-address[?chain=ethereum|tron]` and
/// `GET /v1/accounts/{id}/deposit-addresses`: at most one address per account and chain,
/// assigned on first request from that chain's key.
struct DepositAddressRoutes {
    /// The configured keys; a chain without one is not enabled.
    let keys: [Chain: DepositKey]
    let chainIDs: [Chain: UInt64]
    /// Ethereum's USDT contract, for the token's payment URI.
    let ethereumUSDT: EthereumAddress
    let addresses: DepositAddressStore
    let wallet: WalletStore
    let clock: WallClock

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/accounts/{id}/deposit-address") { request, context in
            let id = try WalletRoutes.accountID(context)
            let record = try await assign(id, chain: try Self.chain(request))
            return JSONResponse.make(status: record.created ? .created : .ok, json(record.record))
        }
        router.get("/v1/accounts/{id}/deposit-address") { request, context in
            let id = try WalletRoutes.accountID(context)
            let chain = try Self.chain(request)
            guard let record = try await addresses.record(for: id, chain: chain) else {
                if try await wallet.account(id) == nil { throw WalletRoutes.unknownAccount(id) }
                _ = try key(chain)
                throw APIError(.notFound, "no_deposit_address", "account \(id) has no \(chain.rawValue) deposit address yet; POST to assign one")
            }
            return JSONResponse.make(status: .ok, json(record))
        }
        router.get("/v1/accounts/{id}/deposit-addresses") { _, context in
            let id = try WalletRoutes.accountID(context)
            guard try await wallet.account(id) != nil else { throw WalletRoutes.unknownAccount(id) }
            let records = try await addresses.records(for: id)
            return JSONResponse.make(status: .ok, .object(["object": .string("list"), "data": .array(records.map(json))]))
        }
    }

    /// The `chain` query parameter: absent means Ethereum, as before chains were named.
    static func chain(_ request: Request) throws -> Chain {
        guard let text = request.uri.queryParameters.get("chain") else { return .ethereum }
        guard let chain = Chain(rawValue: text) else {
            throw APIError(
                .unprocessableContent, "invalid_chain",
                "chain must be one of \(Chain.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return chain
    }

    func key(_ chain: Chain) throws -> DepositKey {
        guard let key = keys[chain] else {
            throw APIError(.conflict, "chain_not_enabled", "\(chain.rawValue) deposit addresses are not configured (\(DepositKey.configKey(chain)) is not set)")
        }
        return key
    }

    func assign(_ id: AccountID, chain: Chain = .ethereum) async throws -> (record: DepositAddressRecord, created: Bool) {
        let key = try key(chain)
        let result = try await addresses.assign(id, chain: chain, keyID: key.keyID, now: clock.nowMillis()) { index in
            try key.address(at: index)?.lowercaseHex
        }
        switch result {
        case .existing(let record): return (record, false)
        case .assigned(let record): return (record, true)
        case .unknownAccount: throw WalletRoutes.unknownAccount(id)
        }
    }

    func json(_ record: DepositAddressRecord) -> JSONValue {
        var fields: [String: JSONValue] = [
            "account_id": .string(record.account.rawValue),
            "address": .string(Self.display(record.address, chain: record.chain)),
            "index": .int(Int64(record.index)),
            "chain": .string(record.chain.rawValue),
            "chain_id": .int(Int64(chainIDs[record.chain] ?? 0)),
            "assets": .array(Self.assets(record.chain).map { .string($0.rawValue) }),
        ]
        if record.chain == .ethereum, let address = try? EthereumAddress(hex: record.address) {
            fields["payment_uris"] = .object(
                Self.paymentURIs(address, chainID: chainIDs[.ethereum] ?? 0, usdt: ethereumUSDT).mapValues(JSONValue.string)
            )
        }
        return .object(fields)
    }

    /// EIP-681 URIs a wallet app can scan: a plain ETH payment to the address, and a USDT
    /// `transfer` to it, each pinned to the chain. Tron has no such standard; none are given.
    static func paymentURIs(_ address: EthereumAddress, chainID: UInt64, usdt: EthereumAddress) -> [String: String] {
        [
            Asset.eth.rawValue: "ethereum:\(address.checksummed)@\(chainID)",
            Asset.usdt.rawValue: "ethereum:\(usdt.checksummed)@\(chainID)/transfer?address=\(address.checksummed)",
        ]
    }

    /// What a chain's addresses accept: ETH and USDT on Ethereum, USDT (TRC-20) on Tron.
    static func assets(_ chain: Chain) -> [Asset] {
        switch chain {
        case .ethereum: [.eth, .usdt]
        case .tron: [.usdt]
        }
    }

    /// Stored as lowercase hex of the 20 bytes; shown as the chain writes it (EIP-55, or T…)
    /// so a customer's wallet can verify what they copy.
    static func display(_ lowercase: String, chain: Chain) -> String {
        guard let address = try? EthereumAddress(hex: lowercase) else { return lowercase }
        return chain == .tron ? TronAddress(evm: address).base58 : address.checksummed
    }
}
