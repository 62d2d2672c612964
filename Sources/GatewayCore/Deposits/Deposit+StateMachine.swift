/// A crypto deposit's states, as `design.md` names them. `confirming(n of N)` is `seen` with
/// its confirmations derived from the head.
///
/// The one statement of the deposit state machine: its states, which of them count as pending,
/// which moves are allowed, and what each chain event does. The store takes its status lists
/// (`DepositStatus.pending` …) from here, and its compare-and-set updates check a move against
/// `canMove`; nothing else spells a status set.
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
    public static let pending: [DepositStatus] = [.seen, .awaitingRate]
    /// States a reorg can change: a deposit on the chain that has not been set aside. Only
    /// these vouch for their block in the reorg walk: a reorg never updates a failed row, so
    /// its block hash may be a fork's long gone.
    public static let onChain: [DepositStatus] = [.seen, .awaitingRate, .credited, .parked]

    public var isPending: Bool { Self.pending.contains(self) }

    /// Why a deposit moves. Each event has one rule below; the store applies them with
    /// compare-and-set on the status it read.
    public enum Event: Sendable, Hashable, CaseIterable {
        /// Deep enough, and a rate was accepted: the credit is written with the status.
        case credit
        /// Deep enough, but no usable rate: it waits visibly.
        case awaitRate
        /// It cannot be credited as it is (worth less than a cent, a refused conversion): an
        /// operator decides.
        case park
        /// Its block left the canonical chain.
        case leftChain
        /// Seen again in a canonical block (the same one or another); its receipt decides.
        case observed(sameBlock: Bool, failed: Bool)
        /// An operator or `reconcile chain --fix` found it off the chain while pending.
        case foundOffChain

        public static let allCases: [Event] = [.credit, .awaitRate, .park, .leftChain, .foundOffChain]
            + [false, true].flatMap { same in [false, true].map { Event.observed(sameBlock: same, failed: $0) } }
    }

    /// Where `event` takes a deposit in this state; nil for "leave it as it is".
    public func after(_ event: Event) -> DepositStatus? {
        switch event {
        case .credit: isPending ? .credited : nil
        case .awaitRate: self == .seen ? .awaitingRate : nil
        case .park: isPending ? .parked : nil
        case .foundOffChain: isPending ? .orphaned : nil
        case .leftChain: DepositRules.afterReorg(self) == self ? nil : DepositRules.afterReorg(self)
        case .observed(let sameBlock, let failed): DepositRules.afterObserved(self, sameBlock: sameBlock, failed: failed)
        }
    }

    /// Every move the machine makes, and nothing else: the store refuses any other.
    public func canMove(to next: DepositStatus) -> Bool {
        Event.allCases.contains { after($0) == next }
    }
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

    /// What a reorg does to a deposit whose block left the canonical chain. A parked deposit
    /// was never credited: off the chain it is orphaned like a pending one, so no operator
    /// releases a transfer that no longer exists; if it returns it is judged again.
    public static func afterReorg(_ status: DepositStatus) -> DepositStatus {
        switch status {
        case .seen, .awaitingRate, .parked: .orphaned
        case .credited: .reorgedAfterCredit
        case .orphaned, .failed, .reorgedAfterCredit: status
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
