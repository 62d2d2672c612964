/// A crypto deposit's states, as `design.md` names them. `confirming(n of N)` is `seen` with
/// its confirmations derived from the head.
public enum DepositStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case seen
    case awaitingRate = "awaiting_rate"
    case credited
    /// Its block left the canonical chain before it was credited; never credited.
    case orphaned
    /// Receipt status 0: recorded, never credited.
    case failed
    /// Needs an operator (e.g. an amount beyond 128 bits).
    case parked
    /// Credited, then a reorg deeper than the confirmation depth removed it: an alert.
    case reorgedAfterCredit = "reorged_after_credit"

    /// States that still wait for confirmations or a rate.
    public var isPending: Bool { self == .seen || self == .awaitingRate }
}

/// Pure deposit rules, tested without I/O.
public enum DepositRules {
    /// Confirmations of a block at `head`: the block itself counts as one.
    public static func confirmations(block: UInt64, head: UInt64) -> UInt64 {
        head >= block ? head - block + 1 : 0
    }

    public static func isDeepEnough(block: UInt64, head: UInt64, required: UInt64) -> Bool {
        confirmations(block: block, head: head) >= required
    }

    /// What a reorg does to a deposit whose block left the canonical chain.
    public static func afterReorg(_ status: DepositStatus) -> DepositStatus {
        switch status {
        case .seen, .awaitingRate: .orphaned
        case .credited: .reorgedAfterCredit
        case .orphaned, .failed, .parked, .reorgedAfterCredit: status
        }
    }

    /// What seeing the deposit (again) in a canonical block does. Returns nil for "leave it".
    /// An orphaned deposit whose transaction lands in another block is the same deposit again,
    /// and its new receipt decides whether it failed: a transaction that failed in one block
    /// may succeed in another, and the other way round.
    /// A credited deposit that a deep reorg removed and that is canonical again is credited
    /// again: its credit stands (and a compensating debit, if one was made, is undone).
    public static func afterObserved(_ status: DepositStatus, sameBlock: Bool, failed: Bool = false) -> DepositStatus? {
        switch status {
        case .orphaned: failed ? .failed : .seen
        case .seen, .awaitingRate: sameBlock ? nil : (failed ? .failed : .seen)
        case .failed: sameBlock ? nil : (failed ? nil : .seen)
        // Back as a failed transaction: no value moved this time, so the credit is not restored
        // (it stays `reorged_after_credit`, an alert, and any reversal stands).
        case .reorgedAfterCredit: failed ? nil : .credited
        case .credited, .parked: nil
        }
    }
}
