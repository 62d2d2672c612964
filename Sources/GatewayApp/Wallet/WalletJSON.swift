import GatewayCore

/// The wallet API's wire shapes.
enum WalletJSON {
    static func account(_ account: Account) -> JSONValue {
        .object([
            "id": .string(account.id.rawValue),
            "currency": .string(Account.currency),
            "balance_cents": .int(account.balance.value),
            "created_at": .string(Timestamp.rfc3339(millis: account.createdAtMillis)),
        ])
    }

    static func entry(_ entry: LedgerEntry) -> JSONValue {
        // Details were stored as canonical JSON we produced; a parse failure would mean a
        // corrupted row, shown as null rather than failing the whole history page.
        let details = (try? JSONValue.parse(Array(entry.detailsJSON.utf8))) ?? .null
        return .object([
            "id": .string(entry.publicID),
            "account_id": .string(entry.account.rawValue),
            "idempotency_key": .string(entry.key.rawValue),
            "kind": .string(entry.kind.rawValue),
            "amount_cents": .int(entry.amount.value),
            "balance_after_cents": .int(entry.balanceAfter.value),
            "reference": .string(entry.reference),
            "description": .string(entry.description),
            "details": details,
            "created_at": .string(Timestamp.rfc3339(millis: entry.createdAtMillis)),
        ])
    }
}
