import Ethereum
import GatewayCore
import Hummingbird
import Store

/// `POST|GET /v1/accounts/{id}/deposit-address`.
struct DepositAddressRoutes {
    let key: DepositKey?
    let chainID: UInt64
    let addresses: DepositAddressStore
    let wallet: WalletStore
    let clock: WallClock

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/accounts/{id}/deposit-address") { _, context in
            let id = try WalletRoutes.accountID(context)
            let record = try await assign(id)
            return JSONResponse.make(status: record.created ? .created : .ok, json(record.record))
        }
        router.get("/v1/accounts/{id}/deposit-address") { _, context in
            let id = try WalletRoutes.accountID(context)
            guard let record = try await addresses.record(for: id) else {
                if try await wallet.account(id) == nil { throw WalletRoutes.unknownAccount(id) }
                throw APIError(.notFound, "no_deposit_address", "account \(id) has no deposit address yet; POST to assign one")
            }
            return JSONResponse.make(status: .ok, json(record))
        }
    }

    func assign(_ id: AccountID) async throws -> (record: DepositAddressRecord, created: Bool) {
        guard let key else {
            throw APIError(.serviceUnavailable, "deposit_addresses_off", "deposit addresses are not configured (ETH_XPUB is not set)")
        }
        let result = try await addresses.assign(id, keyID: key.keyID, now: clock.nowMillis()) { index in
            try key.address(at: index)?.lowercaseHex
        }
        switch result {
        case .existing(let record): return (record, false)
        case .assigned(let record): return (record, true)
        case .unknownAccount: throw WalletRoutes.unknownAccount(id)
        }
    }

    func json(_ record: DepositAddressRecord) -> JSONValue {
        .object([
            "account_id": .string(record.account.rawValue),
            "address": .string(DepositAddressRoutes.checksummed(record.address)),
            "index": .int(Int64(record.index)),
            "chain_id": .int(Int64(chainID)),
            "assets": .array(Asset.allCases.map { .string($0.rawValue) }),
        ])
    }

    /// Stored lowercase; shown EIP-55 so a customer's wallet can verify what they copy.
    static func checksummed(_ lowercase: String) -> String {
        (try? EthereumAddress(hex: lowercase))?.checksummed ?? lowercase
    }
}
