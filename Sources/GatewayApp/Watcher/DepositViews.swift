import GatewayCore
import Hummingbird
import Store

/// What a deposit's view needs of its chain: which chain, its head, and its depth.
public struct DepositChainView: Sendable {
    public let chain: Chain
    public let head: UInt64?
    public let required: UInt64
}

/// Deposits as the platform and operators see them: chain, asset, amount, tx, confirmations
/// n/N against that chain's depth, state and the credit in the account's currency.
public enum DepositViews {
    public static func json(_ deposit: DepositRecord, chains: [UInt64: DepositChainView]) -> JSONValue {
        let view = chains[deposit.chainID]
        let head = view?.head, required = view?.required ?? 0
        var fields: [String: JSONValue] = [
            "key": .string(deposit.key.rawValue), "account_id": .string(deposit.account.rawValue), "asset": .string(deposit.asset.rawValue),
            "amount_units": .string(deposit.amountUnits), "tx_hash": .string(deposit.txHash), "log_index": .int(deposit.logIndex),
            "chain": .string(deposit.chain.rawValue), "chain_id": .int(Int64(deposit.chainID)),
            // As stored (lowercase hex) on Ethereum, as before; `T…` on Tron.
            "address": .string(deposit.chain == .tron ? DepositAddressRoutes.display(deposit.address, chain: .tron) : deposit.address), "block_number": .int(Int64(deposit.blockNumber)), "block_hash": .string(deposit.blockHash),
            "status": .string(deposit.status.rawValue), "confirmations_required": .int(Int64(required)),
            "seen_at": .string(Timestamp.rfc3339(millis: deposit.seenAtMillis)), "amount": .string(deposit.amount.description),
        ]
        if let head { fields["confirmations"] = .int(Int64(min(DepositRules.confirmations(block: deposit.blockNumber, head: head), 1_000_000))) }
        if let reason = deposit.reason { fields["reason"] = .string(reason) }
        if let credit = deposit.credit {
            fields["credit"] = WalletJSON.money(credit)
            fields["exact_value"] = .string(deposit.exactValue ?? "")
            if credit.currency == .usd {
                // Deprecated aliases from before currencies.
                fields["usd_cents"] = .int(credit.minor)
                fields["exact_usd"] = .string(deposit.exactValue ?? "")
            }
            fields["rate"] = .object([
                "pair": .string(deposit.ratePair ?? ""), "field": .string(deposit.rateField ?? ""), "price": .string(deposit.ratePrice ?? ""),
                "source": .string(deposit.rateSource ?? ""),
                "fetched_at": .string(deposit.rateFetchedAtMillis.map { Timestamp.rfc3339(millis: $0) } ?? ""),
            ])
        }
        if let at = deposit.creditedAtMillis { fields["credited_at"] = .string(Timestamp.rfc3339(millis: at)) }
        return .object(fields)
    }

    public static func table(_ deposits: [DepositRecord], chains: [UInt64: DepositChainView]) -> TextTable {
        var table = TextTable("KEY", "ACCOUNT", "CHAIN", "ASSET", "AMOUNT", "BLOCK", "CONF", "STATUS", "CREDIT", "REASON")
        for deposit in deposits {
            let view = chains[deposit.chainID]
            let confirmations = view?.head.map {
                "\(min(DepositRules.confirmations(block: deposit.blockNumber, head: $0), 999))/\(view?.required ?? 0)"
            } ?? "?"
            table.add(
                deposit.key.rawValue, deposit.account.rawValue, deposit.chain.rawValue, deposit.asset.rawValue, deposit.amount.description, "\(deposit.blockNumber)",
                confirmations, deposit.status.rawValue, deposit.credit?.description ?? "-", deposit.reason ?? ""
            )
        }
        return table
    }
}

extension Gateway {
    public func deposits(status: String?, account: String?, limit: Int) async throws -> (deposits: [DepositRecord], chains: [UInt64: DepositChainView]) {
        try await database.transaction { db in
            (try await DepositStore.list(status: status, account: account, limit: limit, db), try await chainViews(db))
        }
    }

    public func deposit(key: String) async throws -> (DepositRecord, [UInt64: DepositChainView])? {
        try await database.transaction { db in
            guard let deposit = try await DepositStore.find(key: key, db) else { return nil }
            return (deposit, try await chainViews(db))
        }
    }

    /// Each chain's head (as its watcher last saw it) and depth, by chain id.
    func chainViews(_ db: any SQLExecutor) async throws -> [UInt64: DepositChainView] {
        var views: [UInt64: DepositChainView] = [:]
        for chain in Chain.allCases {
            let settings = chainSetup(chain).settings
            views[settings.chainID] = DepositChainView(
                chain: chain, head: try await ChainCursorStore.cursor(chainID: settings.chainID, db)?.head, required: settings.confirmations
            )
        }
        return views
    }

    /// `GET /v1/accounts/{id}/deposits`: pending and recent deposits of one account.
    func registerDepositRoutes(on router: Router<BasicRequestContext>) {
        router.get("/v1/accounts/{id}/deposits") { _, context in
            let id = try WalletRoutes.accountID(context)
            guard try await self.wallet.account(id) != nil else { throw WalletRoutes.unknownAccount(id) }
            let (deposits, chains) = try await self.deposits(status: nil, account: id.rawValue, limit: 100)
            return JSONResponse.make(status: .ok, .object([
                "object": .string("list"),
                "data": .array(deposits.map { DepositViews.json($0, chains: chains) }),
            ]))
        }
    }
}
