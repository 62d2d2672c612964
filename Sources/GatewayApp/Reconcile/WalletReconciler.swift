import GatewayCore
import Store

/// Matches the gateway's outbox (every credit and debit it sent) with the wallet's ledger by
/// idempotency key, and recomputes the wallet's balances.
///
/// The wallet store is our own database in the embedded setup, or the remote wallet's database
/// when the operator points at it.
public struct WalletReconciler: Sendable {
    let gateway: any Database
    let wallet: any Database
    /// Rows read per query: bounded pages keep memory flat on long ledgers.
    static let pageSize = 1_000

    public init(gateway: any Database, wallet: any Database) {
        self.gateway = gateway
        self.wallet = wallet
    }

    /// Entry kinds only the gateway writes; such an entry without an outbox row did not come
    /// from us. Other kinds (`usage`) belong to the platform.
    static let gatewayKinds: Set<EntryKind> = [.cardTopup, .cryptoTopup, .refund, .dispute, .disputeReversal, .refundReversal, .adjustment]

    struct Sent: Sendable {
        let id: Int64
        let account: String
        let signedCents: Int64
        /// Nil on rows from before currencies (the account's).
        let currency: Currency?
        let kind: EntryKind
        let status: OutboxStatus
        let parkedReason: String?
    }

    public func run(fix: Bool, operator name: OperatorName, now: Int64, progress: ProgressCallback? = nil) async throws -> ReconcileReport {
        var report = ReconcileReport(scope: "wallet")
        var sent: [String: Sent] = [:]
        var after: Int64 = 0
        while true {
            let page = try await OutboxStore(database: gateway).list(status: nil, afterID: after, limit: Self.pageSize)
            for item in page {
                sent[item.key.rawValue] = Sent(
                    id: item.id, account: item.account.rawValue,
                    signedCents: item.direction == .credit ? item.amount.value : -item.amount.value, currency: item.currency, kind: item.kind,
                    status: item.state.status, parkedReason: item.state.parkedReason
                )
            }
            after = page.last?.id ?? after
            if page.count < Self.pageSize { break }
        }
        let total = sent.count
        var seen: Set<String> = []
        var entries = 0
        var lastEntry: Int64 = 0
        while true {
            let page = try await WalletStore(database: wallet).entries(afterID: lastEntry, limit: Self.pageSize)
            for entry in page {
                entries += 1
                let key = entry.key.rawValue
                guard let ours = sent[key] else {
                    if Self.gatewayKinds.contains(entry.kind) {
                        report.discrepancies.append(Discrepancy(
                            kind: "extra_entry", subject: key, account: entry.account.rawValue,
                            detail: "wallet entry \(entry.id) (\(entry.kind.rawValue), \(entry.amount)) has no gateway record",
                            action: "find who wrote it; reverse it with `gateway adjust` if it is not legitimate"
                        ))
                    }
                    continue
                }
                seen.insert(key)
                var differences: [String] = []
                if ours.account != entry.account.rawValue { differences.append("account \(entry.account) (ours \(ours.account))") }
                if ours.signedCents != entry.amount.minor { differences.append("amount \(entry.amount) (ours \(ours.signedCents) minor units)") }
                if let currency = ours.currency, currency != entry.amount.currency {
                    differences.append("currency \(entry.amount.currency) (ours \(currency))")
                }
                if ours.kind != entry.kind { differences.append("kind \(entry.kind.rawValue) (ours \(ours.kind.rawValue))") }
                if !differences.isEmpty {
                    report.discrepancies.append(Discrepancy(
                        kind: "different_entry", subject: key, account: ours.account,
                        detail: "wallet entry \(entry.id) differs: " + differences.joined(separator: "; "),
                        action: "correct the difference with `gateway adjust` after checking which side is right"
                    ))
                }
            }
            lastEntry = page.last?.id ?? lastEntry
            progress?(entries, nil)
            if page.count < Self.pageSize { break }
        }
        var inFlight = 0
        for (key, ours) in sent.sorted(by: { $0.value.id < $1.value.id }) where !seen.contains(key) {
            switch ours.status {
            case .pending, .retrying:
                inFlight += 1
            case .parked:
                report.discrepancies.append(Discrepancy(
                    kind: "parked_credit", subject: key, account: ours.account,
                    detail: "outbox row \(ours.id) (\(ours.signedCents) minor units) is parked: \(ours.parkedReason ?? "no reason recorded")",
                    action: "fix the cause, then `gateway credits retry \(ours.id)`"
                ))
            case .delivered:
                var item = Discrepancy(
                    kind: "missing_entry", subject: key, account: ours.account,
                    detail: "outbox row \(ours.id) (\(ours.signedCents) minor units) was delivered but the wallet has no entry",
                    action: "--fix sends it again under the same key"
                )
                if fix { item.fixed = try await redeliver(id: ours.id, key: key, operator: name, now: now) }
                report.discrepancies.append(item)
            }
        }
        for mismatch in try await WalletStore(database: wallet).balanceMismatches() {
            report.discrepancies.append(Discrepancy(
                kind: "balance_mismatch", subject: mismatch.account.rawValue, account: mismatch.account.rawValue,
                detail: "stored balance \(mismatch.stored) ≠ ledger sum \(mismatch.computed)",
                action: "investigate the wallet store before any adjustment"
            ))
        }
        report.checked = [("outbox rows", total), ("wallet entries", entries)]
        if inFlight > 0 { report.notes.append("\(inFlight) credit(s) still on their way (pending or retrying); see `gateway credits list`") }
        return report
    }

    private func redeliver(id: Int64, key: String, operator name: OperatorName, now: Int64) async throws -> Bool {
        try await AuditLog.withRetry {
            try await gateway.transaction { db in
                guard try await OutboxStore.redeliver(id: id, now: now, db) != nil else { return false }
                try await AuditLog.append(
                    "reconcile.wallet.fix", subject: key, operator: name,
                    details: .object(["outbox_id": .int(id), "action": .string("redeliver")]), now: now, db
                )
                return true
            }
        }
    }
}
