import GatewayCore

/// The wallet API's wire shapes.
enum WalletJSON {
    static func account(_ account: Account) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(account.id.rawValue),
            "currency": .string(account.currency.code),
            "balance": money(account.balance),
            "created_at": .string(Timestamp.rfc3339(millis: account.createdAtMillis)),
        ]
        // Deprecated alias from before currencies, kept so USD clients keep working.
        if account.currency == .usd { fields["balance_cents"] = .int(account.balance.minor) }
        return .object(fields)
    }

    static func money(_ money: Money) -> JSONValue {
        .object(["amount_minor": .int(money.minor), "currency": .string(money.currency.code)])
    }

    static func entry(_ entry: LedgerEntry) -> JSONValue {
        // Details were stored as canonical JSON we produced; a parse failure would mean a
        // corrupted row, shown as null rather than failing the whole history page.
        let details = (try? JSONValue.parse(Array(entry.detailsJSON.utf8))) ?? .null
        var fields: [String: JSONValue] = [
            "id": .string(entry.publicID),
            "account_id": .string(entry.account.rawValue),
            "idempotency_key": .string(entry.key.rawValue),
            "kind": .string(entry.kind.rawValue),
            "amount_minor": .int(entry.amount.minor),
            "balance_after_minor": .int(entry.balanceAfter.minor),
            "currency": .string(entry.amount.currency.code),
            "reference": .string(entry.reference),
            "description": .string(entry.description),
            "details": details,
            "created_at": .string(Timestamp.rfc3339(millis: entry.createdAtMillis)),
        ]
        if entry.amount.currency == .usd {
            // Deprecated aliases from before currencies.
            fields["amount_cents"] = .int(entry.amount.minor)
            fields["balance_after_cents"] = .int(entry.balanceAfter.minor)
        }
        return .object(fields)
    }
}
