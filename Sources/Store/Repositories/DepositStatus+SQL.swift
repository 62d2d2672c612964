import GatewayCore

extension DepositStatus {
    /// `(…)` for `status IN`, from the state machine's own sets: the only place a status list
    /// is written into SQL. Statuses are enum raw values, never input, so inlining is safe.
    static func sqlList(_ statuses: [DepositStatus]) -> String {
        "(" + statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
    }
}
