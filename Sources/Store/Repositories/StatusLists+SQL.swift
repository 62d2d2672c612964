import GatewayCore

/// `(…)` for `status IN`, from a state machine's own status sets (`DepositStatus.pending`,
/// `OutboxStatus.undelivered`): the only place a status list is written into SQL. Statuses are
/// enum raw values, never input, so inlining them is safe.
func sqlStatusList<Status: RawRepresentable>(_ statuses: [Status]) -> String where Status.RawValue == String {
    sqlStatusList(statuses.map(\.rawValue))
}

func sqlStatusList(_ statuses: [String]) -> String {
    "(" + statuses.map { "'\($0)'" }.joined(separator: ", ") + ")"
}

extension DepositStatus {
    static func sqlList(_ statuses: [DepositStatus]) -> String { sqlStatusList(statuses) }
}

extension OutboxStatus {
    static func sqlList(_ statuses: [OutboxStatus]) -> String { sqlStatusList(statuses) }
}

extension CardPayment {
    /// A card payment's statuses once its credit was asked for.
    static var sqlCreditedStatuses: String { sqlStatusList(creditedStatuses) }
}
