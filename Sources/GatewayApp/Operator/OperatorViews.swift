import GatewayCore

/// What operator commands print: JSON for scripts, rows for humans. The same JSON shapes as
/// the internal API, so a script can use either.
public enum OperatorViews {
    public static func accountJSON(_ account: Account) -> JSONValue { WalletJSON.account(account) }
    public static func entryJSON(_ entry: LedgerEntry) -> JSONValue { WalletJSON.entry(entry) }

    public static func outboxJSON(_ item: OutboxItem) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .int(item.id),
            "idempotency_key": .string(item.key.rawValue),
            "account_id": .string(item.account.rawValue),
            "direction": .string(item.direction.rawValue),
            "amount_minor": .int(item.amount.value),
            "amount_cents": .int(item.amount.value),  // deprecated alias
            "currency": item.currency.map { .string($0.code) } ?? .null,
            "kind": .string(item.kind.rawValue),
            "reference": .string(item.reference),
            "status": .string(item.state.status.rawValue),
            "attempts": .int(Int64(item.state.attempts)),
            "next_attempt_at": .string(Timestamp.rfc3339(millis: item.state.nextAttemptAtMillis)),
            "created_at": .string(Timestamp.rfc3339(millis: item.createdAtMillis)),
        ]
        if let error = item.state.lastError { fields["last_error"] = .string(error) }
        if let reason = item.state.parkedReason { fields["parked_reason"] = .string(reason) }
        if let entry = item.state.walletEntryID { fields["wallet_entry_id"] = .string(entry) }
        return .object(fields)
    }

    public static func outboxTable(_ items: [OutboxItem]) -> TextTable {
        var table = TextTable("ID", "STATUS", "ACCOUNT", "AMOUNT", "KIND", "ATTEMPTS", "KEY", "REASON")
        for item in items {
            // A row from before currencies is in its account's currency; shown as minor units.
            let amount = item.currency.map { Money(item.amount.value, $0).description } ?? "\(item.amount.value) minor units"
            table.add(
                "\(item.id)", item.state.status.rawValue, item.account.rawValue, (item.direction == .credit ? "+" : "-") + amount,
                item.kind.rawValue, "\(item.state.attempts)", item.key.rawValue,
                item.state.parkedReason ?? item.state.lastError ?? ""
            )
        }
        return table
    }

    public static func historyTable(_ entries: [LedgerEntry]) -> TextTable {
        var table = TextTable("ID", "WHEN", "KIND", "AMOUNT", "BALANCE", "REFERENCE", "KEY")
        for entry in entries {
            table.add(
                entry.publicID, Timestamp.rfc3339(millis: entry.createdAtMillis), entry.kind.rawValue,
                "\(entry.amount)", "\(entry.balanceAfter)", entry.reference, entry.key.rawValue
            )
        }
        return table
    }
}

extension Gateway {
    /// One log line per feature that is off, and why, so an operator sees at start what runs.
    public func logDisabledFeatures() {
        if config.stripe.webhookSecrets.isEmpty {
            logger.notice("stripe webhook off: STRIPE_WEBHOOK_SECRET not set (POST /webhooks/stripe answers 503)")
        }
        for chain in Chain.allCases {
            let (settings, prefix) = (chainSetup(chain).settings, chain.configPrefix)
            if settings.xpub == nil {
                logger.notice("\(chain.rawValue) deposit addresses and watcher off: \(prefix)_XPUB not set")
            } else if settings.rpcURLs.isEmpty {
                // Addresses are handed out, but nothing watches them: deposits sent now are found
                // only by a watcher started with \(prefix)_START_BLOCK at or below their blocks.
                logger.warning("\(chain.rawValue) watcher off: \(prefix)_RPC_URL not set, though \(prefix)_XPUB is (addresses are handed out)")
            }
        }
        if config.ethereum.xpub == nil, config.tron.xpub == nil {
            logger.notice("rates off: crypto deposits are off (neither ETH_XPUB nor TRON_XPUB set)")
        }
        if config.stripe.webhookSecrets.isEmpty, config.ethereum.xpub == nil, config.tron.xpub == nil {
            logger.notice("no top-up is configured: scripts/demo.sh shows a card top-up and crypto deposits credited end to end")
        }
        if config.operatorTokens.isEmpty {
            logger.notice("console off: GATEWAY_OPERATOR_TOKENS not set (/console says so)")
        }
        if config.walletURL == nil {
            logger.info("crediting the embedded wallet on the internal listener (WALLET_API_URL not set)")
        }
    }
}
