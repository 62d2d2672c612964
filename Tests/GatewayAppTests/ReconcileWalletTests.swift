import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// `reconcile wallet` with an entry deleted from the wallet's store and one added there directly.
@Suite("Reconcile wallet")
struct ReconcileWalletTests {
    @Test(arguments: TestBackend.available)
    func findsTheDeletedAndTheForeignEntryAndRedeliversTheDeletedOne(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, parts: [.internalHTTP, .outboxWorker])
        defer { Task { await gw.stop() } }
        for account in ["alice", "bob"] { try await gw.createAccount(account) }
        let database = gw.gateway.database
        let name = try OperatorName("t")
        for (account, cents, key) in [("alice", Int64(1_000), "a1"), ("alice", 2_000, "a2"), ("bob", 300, "b1")] {
            _ = try await Adjustment(account: account, amountCents: cents, reason: "seed", operatorName: name, allowNegative: false, key: key)
                .record(in: database, now: 1)
        }
        #expect(try await TestGateway.eventually {
            let alice = try await gw.balance("alice"), bob = try await gw.balance("bob")
            return alice == 3_000 && bob == 300
        })
        // The wallet has the entries before the outbox marks them delivered; a row still in
        // flight is rightly not reported missing, so wait for all three.
        #expect(try await TestGateway.eventually { try await gw.gateway.outbox.list(status: .delivered, limit: 10).count == 3 })
        let reconciler = WalletReconciler(gateway: database, wallet: database)
        #expect(try await reconciler.run(fix: false, operator: name, now: 2).agrees)

        // The wallet loses adj:a2 (its balance with it), and someone writes a top-up we never sent.
        try await database.transaction { db in
            try await db.query("DELETE FROM ledger_entries WHERE idempotency_key = 'adj:a2'")
            try await db.query("UPDATE accounts SET balance_cents = balance_cents - 2000 WHERE id = 'alice'")
            try await db.query(
                """
                INSERT INTO ledger_entries (account_id, idempotency_key, request_hash, kind, amount_cents, balance_after_cents,
                    reference, description, details, created_at)
                VALUES ('bob', 'stripe:pi_forged', 'x', 'card_topup', 5000, 5300, 'pi_forged', 'forged', '{}', 3)
                """
            )
            try await db.query("UPDATE accounts SET balance_cents = 5300 WHERE id = 'bob'")
        }
        let report = try await reconciler.run(fix: false, operator: name, now: 3)
        #expect(report.discrepancies.map { "\($0.kind) \($0.subject)" }.sorted() == ["extra_entry stripe:pi_forged", "missing_entry adj:a2"])

        let fixed = try await reconciler.run(fix: true, operator: name, now: 4)
        #expect(fixed.discrepancies.filter(\.fixed).map(\.subject) == ["adj:a2"])
        #expect(try await TestGateway.eventually { try await gw.balance("alice") == 3_000 })
        let after = try await reconciler.run(fix: true, operator: name, now: 5)
        #expect(after.discrepancies.map(\.kind) == ["extra_entry"], "only the foreign entry is left for a person")
        #expect(try await AuditLog.list(database, limit: 10).filter { $0.action == "reconcile.wallet.fix" }.count == 1)

        // A different amount for the same key, and a balance that no longer sums, are reported too.
        try await database.transaction { db in
            try await db.query("UPDATE ledger_entries SET amount_cents = 301 WHERE idempotency_key = 'adj:b1'")
        }
        let changed = try await reconciler.run(fix: false, operator: name, now: 6)
        #expect(changed.discrepancies.map(\.kind).sorted() == ["balance_mismatch", "different_entry", "extra_entry"])
    }
}
