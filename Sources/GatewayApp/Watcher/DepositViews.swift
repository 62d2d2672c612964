import GatewayCore
import Hummingbird
import Store

/// Deposits as the platform and operators see them: asset, amount, tx, confirmations n/N,
/// state and the USD credited.
public enum DepositViews {
    public static func json(_ deposit: DepositRecord, head: UInt64?, required: UInt64) -> JSONValue {
        var fields: [String: JSONValue] = [
            "key": .string(deposit.key.rawValue), "account_id": .string(deposit.account.rawValue), "asset": .string(deposit.asset.rawValue),
            "amount_units": .string(deposit.amountUnits), "tx_hash": .string(deposit.txHash), "log_index": .int(deposit.logIndex),
            "address": .string(deposit.address), "block_number": .int(Int64(deposit.blockNumber)), "block_hash": .string(deposit.blockHash),
            "status": .string(deposit.status.rawValue), "confirmations_required": .int(Int64(required)),
            "seen_at": .string(Timestamp.rfc3339(millis: deposit.seenAtMillis)), "amount": .string(deposit.amount.description),
        ]
        if let head { fields["confirmations"] = .int(Int64(min(DepositRules.confirmations(block: deposit.blockNumber, head: head), 1_000_000))) }
        if let reason = deposit.reason { fields["reason"] = .string(reason) }
        if let cents = deposit.usdCents {
            fields["usd_cents"] = .int(cents)
            fields["exact_usd"] = .string(deposit.exactUSD ?? "")
            fields["rate"] = .object([
                "pair": .string(deposit.ratePair ?? ""), "field": .string(deposit.rateField ?? ""), "price": .string(deposit.ratePrice ?? ""),
                "source": .string(deposit.rateSource ?? ""),
                "fetched_at": .string(deposit.rateFetchedAtMillis.map { Timestamp.rfc3339(millis: $0) } ?? ""),
            ])
        }
        if let at = deposit.creditedAtMillis { fields["credited_at"] = .string(Timestamp.rfc3339(millis: at)) }
        return .object(fields)
    }

    public static func table(_ deposits: [DepositRecord], head: UInt64?, required: UInt64) -> TextTable {
        var table = TextTable("KEY", "ACCOUNT", "ASSET", "AMOUNT", "BLOCK", "CONF", "STATUS", "USD", "REASON")
        for deposit in deposits {
            let confirmations = head.map { "\(min(DepositRules.confirmations(block: deposit.blockNumber, head: $0), 999))/\(required)" } ?? "?"
            table.add(
                deposit.key.rawValue, deposit.account.rawValue, deposit.asset.rawValue, deposit.amount.description, "\(deposit.blockNumber)",
                confirmations, deposit.status.rawValue, deposit.usdCents.map { Cents($0).description } ?? "-", deposit.reason ?? ""
            )
        }
        return table
    }
}

extension Gateway {
    public func deposits(status: String?, account: String?, limit: Int) async throws -> (deposits: [DepositRecord], head: UInt64?) {
        let chainID = config.ethereum.chainID
        return try await database.transaction { db in
            (try await DepositStore.list(status: status, account: account, limit: limit, db),
             try await ChainCursorStore.cursor(chainID: chainID, db)?.head)
        }
    }

    public func deposit(key: String) async throws -> (DepositRecord, UInt64?)? {
        let chainID = config.ethereum.chainID
        return try await database.transaction { db in
            guard let deposit = try await DepositStore.find(key: key, db) else { return nil }
            return (deposit, try await ChainCursorStore.cursor(chainID: chainID, db)?.head)
        }
    }

    /// `GET /v1/accounts/{id}/deposits`: pending and recent deposits of one account.
    func registerDepositRoutes(on router: Router<BasicRequestContext>) {
        router.get("/v1/accounts/{id}/deposits") { _, context in
            let id = try WalletRoutes.accountID(context)
            guard try await self.wallet.account(id) != nil else { throw WalletRoutes.unknownAccount(id) }
            let (deposits, head) = try await self.deposits(status: nil, account: id.rawValue, limit: 100)
            return JSONResponse.make(status: .ok, .object([
                "object": .string("list"),
                "data": .array(deposits.map { DepositViews.json($0, head: head, required: self.config.ethereum.confirmations) }),
            ]))
        }
    }
}
