import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// The one rule the watcher and `reconcile chain` use to say which stored deposit a detected
/// transfer is. Pure.
@Suite struct DepositMatchingTests {
    static func deposit(_ key: String, identity: String?, block: String, status: DepositStatus, logIndex: Int64 = 0, amount: String = "5") throws -> DepositRecord {
        try DepositRecord(
            key: key, chainID: 1, txHash: "0xaa", logIndex: logIndex, account: "alice", address: "0xbb", asset: "USDT",
            amountUnits: amount, blockNumber: 7, blockHash: block, status: status, seenAtMillis: 0, identity: identity
        )
    }

    @Test func anOldFormatTransferRecordedTwiceRevivesTheCreditedCopyNotTheOrphanedOne() throws {
        let seen = try Self.deposit("eth:1:0xaa:usdt:0", identity: "1:0xaa:usdt:0", block: "0xnew", status: .seen, logIndex: 4)
        let orphaned = try Self.deposit("eth:1:0xaa:1", identity: nil, block: "0xold1", status: .orphaned, logIndex: 1)
        let credited = try Self.deposit("eth:1:0xaa:3", identity: nil, block: "0xold2", status: .credited, logIndex: 3)
        #expect(try DepositMatching.match([seen], known: [orphaned, credited]) == [.adopted(credited, identity: "1:0xaa:usdt:0")])
        // The row in this very block comes first.
        let here = try Self.deposit("eth:1:0xaa:4", identity: nil, block: "0xnew", status: .seen, logIndex: 4)
        #expect(try DepositMatching.match([seen], known: [credited, here]) == [.adopted(here, identity: "1:0xaa:usdt:0")])
    }

    @Test func anotherAmountAtTheSamePositionIsAnotherFact() throws {
        let stored = try Self.deposit("eth:1:0xaa:usdt:0", identity: "1:0xaa:usdt:0", block: "0xold", status: .credited)
        let changed = try Self.deposit("eth:1:0xaa:usdt:0", identity: "1:0xaa:usdt:0", block: "0xnew", status: .seen, amount: "6")
        guard case .new(let fact) = try DepositMatching.match([changed], known: [stored])[0] else {
            Issue.record("not a new fact")
            return
        }
        #expect(fact.key.rawValue == "eth:1:0xaa:usdt:0#2" && fact.identity == "1:0xaa:usdt:0#2")
        #expect(try DepositMatching.match([changed, changed], known: [stored])[1] == .repeated)
    }

    /// An old-format row L (100), a re-inclusion that paid 101 recorded as a new row N under
    /// the identity, then the original again: L is adopted under the next variant, since N
    /// holds the identity (a unique index), and the step is not wedged.
    @Test func anOldFormatRowAdoptedAfterAnotherFactTookTheIdentityTakesTheNextVariant() throws {
        let legacy = try Self.deposit("eth:1:0xaa:3", identity: nil, block: "0xold", status: .credited, logIndex: 3, amount: "100")
        let other = try Self.deposit("eth:1:0xaa:usdt:0", identity: "1:0xaa:usdt:0", block: "0xmid", status: .orphaned, amount: "101")
        let back = try Self.deposit("eth:1:0xaa:usdt:0", identity: "1:0xaa:usdt:0", block: "0xnew", status: .seen, amount: "100")
        #expect(try DepositMatching.match([back], known: [legacy, other]) == [.adopted(legacy, identity: "1:0xaa:usdt:0#2")])
        // Adopted, it is found by that variant from then on.
        var adopted = legacy
        adopted.identity = "1:0xaa:usdt:0#2"
        #expect(try DepositMatching.match([back], known: [adopted, other]) == [.known(adopted)])
    }

    @Test func aCreditedDepositBackAsAFailedTransactionIsNotCreditedAgain() throws {
        #expect(DepositRules.afterObserved(.reorgedAfterCredit, sameBlock: false, failed: true) == nil)
        #expect(DepositRules.afterObserved(.reorgedAfterCredit, sameBlock: false, failed: false) == .credited)
        #expect(DepositRules.afterObserved(.failed, sameBlock: false, failed: false) == .seen)
        #expect(DepositRules.afterObserved(.orphaned, sameBlock: false, failed: true) == .failed)
    }
}
