import GatewayCore
import Hummingbird
import Store

/// Each console page's content, built from the same view models (tables) as the CLI.
struct ConsolePages {
    let gateway: Gateway
    let rows: Int

    /// - Parameters: `status` and `account` filter the deposits page (as given; validated here).
    func body(_ page: ConsoleHTML.Page, statusFilter: String?, accountFilter: String?) async throws -> String {
        let now = gateway.clock.nowMillis()
        switch page {
        case .overview:
            let status = try await gateway.statusViews(now: now)
            return """
                <h2>Wallet</h2>
                \(ConsoleHTML.table(status.wallet, id: "wallet", empty: "No accounts yet."))
                <h2>Outbox</h2>
                \(ConsoleHTML.table(status.outbox, id: "outbox", empty: "Nothing in the outbox."))
                <h2>Chains</h2>
                \(ConsoleHTML.table(status.chains, id: "chains", empty: "No chain configured."))
                <h2>Rates</h2>
                \(ConsoleHTML.table(status.rates, id: "rates", empty: "No crypto deposits configured: no rates needed."))
                <h2>Audit log</h2>
                <p id="audit-state">Hash chain: \(ConsoleHTML.escape(status.auditVerification))</p>
                """
        case .deposits:
            let statuses = DepositStatus.allCases.map(\.rawValue)
            let status = statusFilter.flatMap { statuses.contains($0) ? $0 : nil }
            let account = accountFilter.flatMap { (try? AccountID($0))?.rawValue }
            let (deposits, chains) = try await gateway.deposits(status: status, account: account, limit: rows)
            let options = ([""] + statuses).map { value in
                "<option value=\"\(value)\"\(value == (status ?? "") ? " selected" : "")>\(value.isEmpty ? "any" : value)</option>"
            }.joined()
            return """
                <form method="get" action="/console/deposits" class="filters">
                <label>Status <select name="status">\(options)</select></label>
                <label>Account <input name="account" value="\(ConsoleHTML.escape(account ?? ""))" pattern="[A-Za-z0-9_-]{1,64}"></label>
                <button type="submit">Filter</button>
                </form>
                <p class="note">CONF is confirmations n/N against the chain's depth; CREDIT is in the account's currency.</p>
                \(ConsoleHTML.table(DepositViews.table(deposits, chains: chains), id: "deposits", empty: "No deposits match."))
                """
        case .payments:
            let parked = try await gateway.payments(status: "parked", limit: rows)
            return """
                <p class="note">RELEASE is what <code>gateway payments release</code> would credit (net of refunds and disputes), or why it cannot.</p>
                \(ConsoleHTML.table(gateway.paymentViews.paymentsTable(parked), id: "payments", empty: "No parked card payments."))
                """
        case .credits:
            let parked = try await gateway.outbox.list(status: .parked, limit: rows)
            let retrying = try await gateway.outbox.list(status: .retrying, limit: rows)
            return """
                <h2>Parked</h2>
                <p class="note">Not retried by themselves: <code>gateway credits retry ID</code> after fixing the cause.</p>
                \(ConsoleHTML.table(OperatorViews.outboxTable(parked), id: "parked", empty: "No parked credits."))
                <h2>Retrying</h2>
                \(ConsoleHTML.table(OperatorViews.outboxTable(retrying), id: "retrying", empty: "No credits are retrying."))
                """
        case .audit:
            return """
                <p id="audit-state">Hash chain: \(ConsoleHTML.escape(try await gateway.auditVerification()))</p>
                \(ConsoleHTML.table(try await gateway.latestAudit(limit: rows), id: "audit", empty: "No audited actions yet."))
                """
        }
    }
}
