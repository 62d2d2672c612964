import GatewayCore
import Testing

/// The deposit state machine, with no I/O: every state against every event.
@Suite("Deposit state machine")
struct DepositStateMachineTests {
    @Test func onlyPendingDepositsAreCreditedOrWaitForARate() {
        for status in DepositStatus.allCases {
            #expect((status.after(.credit) == .credited) == status.isPending, "\(status)")
            #expect((status.after(.awaitRate) != nil) == (status == .seen))
            #expect((status.after(.park) == .parked) == status.isPending, "a deposit that cannot be credited waits for an operator")
        }
    }

    @Test func creditedMoneyNeverSilentlyLeavesTheChain() {
        // A credited deposit that leaves becomes an alert, never a pending or orphaned row
        // that could be credited again.
        #expect(DepositStatus.credited.after(.leftChain) == .reorgedAfterCredit)
        #expect(DepositStatus.credited.after(.foundOffChain) == nil)
        for status in DepositStatus.allCases where status != .credited {
            #expect(status.after(.leftChain) != .reorgedAfterCredit)
        }
        // Back on the chain: credited again only if the transaction succeeded.
        #expect(DepositStatus.reorgedAfterCredit.after(.observed(sameBlock: false, failed: false)) == .credited)
        #expect(DepositStatus.reorgedAfterCredit.after(.observed(sameBlock: false, failed: true)) == nil)
    }

    @Test func nothingButACreditOrAReturnReachesCredited() {
        for status in DepositStatus.allCases {
            for event in DepositStatus.Event.allCases where status.after(event) == .credited {
                switch event {
                case .credit: #expect(status.isPending)
                case .observed: #expect(status == .reorgedAfterCredit)
                default: Issue.record("\(status) reaches credited on \(event)")
                }
            }
        }
    }

    @Test func parkedAndCreditedRowsIgnoreObservations() {
        for sameBlock in [false, true] {
            for failed in [false, true] {
                #expect(DepositStatus.parked.after(.observed(sameBlock: sameBlock, failed: failed)) == nil)
                #expect(DepositStatus.credited.after(.observed(sameBlock: sameBlock, failed: failed)) == nil)
            }
        }
    }

    @Test func theStatusSetsAgreeWithTheMoves() {
        #expect(DepositStatus.pending == DepositStatus.allCases.filter(\.isPending))
        // A reorg changes exactly the states in `onChain`.
        #expect(DepositStatus.onChain == DepositStatus.allCases.filter { $0.after(.leftChain) != nil })
        // canMove is the closure of the events, and nothing else.
        #expect(DepositStatus.seen.canMove(to: .credited))
        #expect(!DepositStatus.orphaned.canMove(to: .credited))
        #expect(!DepositStatus.failed.canMove(to: .credited))
        #expect(!DepositStatus.parked.canMove(to: .seen))
        #expect(DepositStatus.parked.after(.leftChain) == .orphaned, "a parked transfer that left the chain is never released")
        #expect(DepositStatus.awaitingRate.canMove(to: .parked) && DepositStatus.seen.canMove(to: .orphaned))
    }
}
