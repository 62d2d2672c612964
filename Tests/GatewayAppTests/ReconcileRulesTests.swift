import BigInt
import Foundation
@testable import GatewayApp
import GatewayCore
import Store
import Stripe
import Testing

/// The pure parts of reconciliation, without I/O.
@Suite("Reconciliation rules")
struct ReconcileRulesTests {
    static func deposit(_ asset: String, _ units: String, _ status: DepositStatus) throws -> DepositRecord {
        try DepositRecord(
            key: "eth:1:0x\(UUID().uuidString):-1", chainID: 1, txHash: "0x", logIndex: -1, account: "a", address: "0xabc", asset: asset,
            amountUnits: units, blockNumber: 1, blockHash: "0x", status: status, reason: nil, seenAtMillis: 0
        )
    }

    @Test func balancesExplainDepositsThatArrivedMinusValueAndFeesSent() throws {
        let deposits = [
            try Self.deposit("ETH", "1000000000000000000", .credited),
            try Self.deposit("ETH", "500", .seen),
            try Self.deposit("ETH", "999", .failed),  // never arrived
            try Self.deposit("ETH", "777", .orphaned),  // not on the chain
            try Self.deposit("USDT", "25000000", .credited),
        ]
        let outgoing = [
            OutgoingTransfer(chainID: 1, txHash: "0x1", logIndex: -1, address: "0xabc", asset: "ETH", amountUnits: "400", feeUnits: "21", blockNumber: 2, blockHash: "0x"),
            // A token transfer's gas is paid in ETH.
            OutgoingTransfer(chainID: 1, txHash: "0x2", logIndex: -1, address: "0xabc", asset: "ETH", amountUnits: "0", feeUnits: "50", blockNumber: 3, blockHash: "0x"),
            OutgoingTransfer(chainID: 1, txHash: "0x2", logIndex: 4, address: "0xabc", asset: "USDT", amountUnits: "5000000", feeUnits: "0", blockNumber: 3, blockHash: "0x"),
        ]
        #expect(BalanceReconciler.explained(asset: .eth, deposits: deposits, outgoing: outgoing) == BigInt("1000000000000000029"))
        #expect(BalanceReconciler.explained(asset: .usdt, deposits: deposits, outgoing: outgoing) == BigInt(20_000_000))
    }

    @Test func amountsPrintAsExactDecimals() {
        #expect(BalanceReconciler.format(BigUInt("300000000000000000"), .eth) == "0.3")
        #expect(BalanceReconciler.format(BigUInt(1), .eth) == "0.000000000000000001")
        #expect(BalanceReconciler.format(BigUInt(25_000_000), .usdt) == "25")
        #expect(BalanceReconciler.format(BigUInt(0), .usdt) == "0")
    }

    @Test func stripesAmountIsThePaymentIntentsWhenAnyEventCarriesIt() throws {
        func event(_ json: String) throws -> StripeEvent { try StripeEvent.decode(Array(json.utf8)) }
        let session = try event(#"{"id":"evt_1","object":"event","type":"checkout.session.completed","created":1,"livemode":false,"data":{"object":{"id":"cs_1","object":"checkout.session","mode":"payment","payment_status":"paid","amount_total":1000,"currency":"usd","payment_intent":"pi_1"}}}"#)
        let intent = try event(#"{"id":"evt_2","object":"event","type":"payment_intent.succeeded","created":2,"livemode":false,"data":{"object":{"id":"pi_1","object":"payment_intent","amount":1000,"amount_received":990,"currency":"usd","status":"succeeded"}}}"#)
        #expect(StripeReconciler.succeededAmount([session])?.0 == 1000)
        #expect(StripeReconciler.succeededAmount([session, intent])?.0 == 990)
        #expect(StripeReconciler.succeededAmount([]) == nil)
    }

    @Test func oldObjectsBecomeTheEventsThatWouldHaveAnnouncedThem() throws {
        let intents = [JSONValue.object(["id": .string("pi_1"), "object": .string("payment_intent"), "status": .string("succeeded"), "created": .int(5)]),
                       JSONValue.object(["id": .string("pi_2"), "object": .string("payment_intent"), "status": .string("canceled"), "created": .int(5)])]
        let disputes = [
            // A chargeback without its balance transactions: funds were withdrawn when it opened.
            JSONValue.object(["id": .string("dp_1"), "object": .string("dispute"), "status": .string("won"), "created": .int(6)]),
            // An inquiry never moves money.
            JSONValue.object(["id": .string("dp_2"), "object": .string("dispute"), "status": .string("warning_closed"), "created": .int(6)]),
            // Balance transactions say what moved: withdrawn, then reinstated.
            JSONValue.object([
                "id": .string("dp_3"), "object": .string("dispute"), "status": .string("under_review"), "created": .int(7),
                "balance_transactions": .array([.object(["amount": .int(-500)]), .object(["amount": .int(500)])]),
            ]),
        ]
        let events = SyntheticEvents.make(intents: intents, refunds: [], disputes: disputes)
        #expect(events.compactMap { $0["type"]?.stringValue } == [
            "payment_intent.succeeded", "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.closed",
            "charge.dispute.created", "charge.dispute.closed",
            "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
        ])
        #expect(events.compactMap { $0["id"]?.stringValue } == [
            "evt_reconcile_pi_1", "evt_reconcile_dp_1_created", "evt_reconcile_dp_1_withdrawn", "evt_reconcile_dp_1_closed",
            "evt_reconcile_dp_2_created", "evt_reconcile_dp_2_closed",
            "evt_reconcile_dp_3_created", "evt_reconcile_dp_3_withdrawn", "evt_reconcile_dp_3_reinstated",
        ])
        for event in events { #expect((try? StripeEvent.decode(Array(event.canonicalText.utf8))) != nil) }
    }

    @Test func operatorNamesComeFromTheFlagThenTheEnvironment() throws {
        #expect(try OperatorName.resolve("anna").rawValue == "anna")
        #expect(try OperatorName.resolve(nil, environment: ["GATEWAY_OPERATOR": "ops", "USER": "root"]).rawValue == "ops")
        #expect(try OperatorName.resolve(nil, environment: ["USER": "root"]).rawValue == "root")
        #expect(try OperatorName.resolve(nil, environment: [:]).rawValue == "unknown")
        #expect(throws: ConfigError.self) { try OperatorName.resolve("  ") }
    }
}
