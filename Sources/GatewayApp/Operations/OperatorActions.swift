import GatewayCore
import Store

/// Operator actions that change state, each written with its audit entry in one transaction.
public enum OperatorActions {
    /// Puts one outbox row back in the queue. Nil if there is no such row; a delivered row is
    /// returned unchanged and not audited, since nothing happened.
    public static func retry(_ database: any Database, id: Int64, operator name: OperatorName, now: Int64) async throws -> OutboxItem? {
        try await AuditLog.withRetry {
            try await database.transaction { db in
                guard let item = try await OutboxStore.retry(id: id, now: now, db) else { return nil }
                guard item.state.status != .delivered else { return item }
                try await AuditLog.append(
                    "credits.retry", subject: item.key.rawValue, operator: name,
                    details: .object(["outbox_id": .int(id), "account_id": .string(item.account.rawValue)]), now: now, db
                )
                return item
            }
        }
    }

    public static func retryAllParked(_ database: any Database, operator name: OperatorName, now: Int64) async throws -> Int {
        try await AuditLog.withRetry {
            try await database.transaction { db in
                let count = try await OutboxStore.retryAllParked(now: now, db)
                if count > 0 {
                    try await AuditLog.append(
                        "credits.retry-all-parked", subject: "outbox", operator: name, details: .object(["rows": .int(Int64(count))]),
                        now: now, db
                    )
                }
                return count
            }
        }
    }

    /// Binds the store to a new deposit key; returns the previous xpub, if any.
    public static func setXpub(_ database: any Database, key: DepositKey, operator name: OperatorName, now: Int64) async throws -> String? {
        try await AuditLog.withRetry {
            try await database.transaction { db in
                let previous = try await SettingsStore.get(DepositAddressStore.xpubSettingKey(key.chain), db)
                try await SettingsStore.set(DepositAddressStore.xpubSettingKey(key.chain), key.xpub.serialize(), now: now, db)
                let old = previous.flatMap { try? DepositKey(xpub: $0, chain: key.chain) }?.fingerprintHex
                try await AuditLog.append(
                    "keys.set-xpub", subject: key.fingerprintHex, operator: name,
                    details: .object([
                        "chain": .string(key.chain.rawValue), "previous_fingerprint": old.map(JSONValue.string) ?? .null,
                        "xpub": .string(key.xpub.serialize()),
                    ]),
                    now: now, db
                )
                return previous
            }
        }
    }
}
