import GatewayCore
import Rates
import Store

/// The overview an operator looks at first, as tables (`gateway status`, the console's front
/// page): the wallet total per currency, the outbox backlog, each chain, each rate.
public struct StatusViews: Sendable {
    public var wallet: TextTable
    public var outbox: TextTable
    public var chains: TextTable
    public var rates: TextTable
    /// "intact (N entries)" or where the chain of the audit log breaks.
    public var auditVerification: String
}

extension Gateway {
    /// Every figure read now from the store, so every instance shows the same.
    public func statusViews(now: Int64) async throws -> StatusViews {
        var wallet = TextTable("CURRENCY", "TOTAL OF BALANCES", "ACCOUNTS")
        for (total, accounts) in try await self.wallet.totals() {
            wallet.add(total.currency.code, total.formatted, "\(accounts)")
        }

        var outboxTable = TextTable("STATUS", "ROWS", "OLDEST UNDELIVERED")
        let stats = try await outbox.stats(now: now)
        for status in OutboxStatus.allCases {
            let oldest = status == .delivered ? "" : stats.oldestUndeliveredAgeMillis.map { Self.age($0) } ?? "-"
            outboxTable.add(status.rawValue, "\(stats.counts[status] ?? 0)", status == .pending ? oldest : "")
        }

        var chains = TextTable("CHAIN", "WATCHED", "HEAD", "CURSOR", "LAG", "LAST ADVANCED", "STALLED", "LEASE")
        let leases = try await database.transaction { db in try await LeaseStore.all(db) }
        for chain in Chain.allCases {
            let (settings, description) = chainSetup(chain)
            let state = try await database.transaction { db in try await ChainCursorStore.state(chainID: settings.chainID, db) }
            let lease = leases.first { $0.name == description.leaseName }
            let leaseText = lease.map { $0.expiresAtMillis >= now ? "held until \(Timestamp.rfc3339(millis: $0.expiresAtMillis))" : "expired" } ?? "none"
            guard let state else {
                chains.add(chain.rawValue, watches(chain) ? "yes" : "no", "-", "-", "-", "-", "-", leaseText)
                continue
            }
            let since = now - state.updatedAtMillis
            chains.add(
                chain.rawValue, watches(chain) ? "yes" : "no", "\(state.head)", "\(state.number)",
                "\(state.head >= state.number ? state.head - state.number : 0)", Self.age(since) + " ago",
                since > settings.headStallSeconds * 1000 ? "yes" : "no", leaseText
            )
        }

        let book = try await ratesRepository.load()
        let rates = RateViews.table(book, pairs: ratePairs, now: now)

        return StatusViews(
            wallet: wallet, outbox: outboxTable, chains: chains, rates: rates, auditVerification: try await auditVerification()
        )
    }

    /// "intact (N entries)", or where the audit log's hash chain breaks.
    public func auditVerification() async throws -> String {
        let (checked, firstBreak) = try await AuditLog.verify(database)
        return firstBreak.map { "broken at entry \($0.seq): \($0.problem)" } ?? "intact (\(checked) entries)"
    }

    /// The newest audited actions, newest first, as the CLI's table.
    public func latestAudit(limit: Int) async throws -> TextTable {
        AuditViews.table(try await database.transaction { db in try await AuditStore.latest(limit: limit, db) })
    }

    /// `3m 20s`, `2h 5m`, `4d 1h`: ages at a glance.
    static func age(_ millis: Int64) -> String {
        let seconds = max(0, millis / 1000)
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m \(seconds % 60)s"
        case ..<86_400: return "\(seconds / 3600)h \(seconds % 3600 / 60)m"
        default: return "\(seconds / 86_400)d \(seconds % 86_400 / 3600)h"
        }
    }
}

/// The audit log as a table (`gateway audit list`, the console).
public enum AuditViews {
    public static func table(_ rows: [AuditStore.Row]) -> TextTable {
        var table = TextTable("SEQ", "AT", "OPERATOR", "ACTION", "SUBJECT", "DETAILS")
        for row in rows {
            table.add("\(row.seq)", Timestamp.rfc3339(millis: row.atMillis), row.operatorName, row.action, row.subject, row.detailsJSON)
        }
        return table
    }
}
