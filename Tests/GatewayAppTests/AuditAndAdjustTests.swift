import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

@Suite("Adjustments and the audit chain")
struct AuditAndAdjustTests {
    static func adjust(_ account: String, _ cents: Int64, key: String? = nil, operator name: String = "ops-anna") throws -> Adjustment {
        try Adjustment(account: account, amountCents: cents, reason: "ticket OPS-1", operatorName: try OperatorName(name), allowNegative: false, key: key)
    }

    @Test(arguments: TestBackend.available)
    func adjustmentsReachTheWalletOnceAndAreAudited(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, parts: [.internalHTTP, .outboxWorker])
        defer { Task { await gw.stop() } }
        try await gw.createAccount("alice")
        let database = gw.gateway.database
        #expect(try await Self.adjust("alice", 1_000, key: "OPS-1").record(in: database, now: 1) == .recorded(auditSeq: 1))
        #expect(try await Self.adjust("alice", 1_000, key: "OPS-1").record(in: database, now: 2) == .alreadyRecorded)
        await #expect(throws: OperatorError.self) { try await Self.adjust("alice", 999, key: "OPS-1").record(in: database, now: 3) }
        await #expect(throws: OperatorError(.refused, "unknown account nobody; nothing recorded")) {
            try await Self.adjust("nobody", 5).record(in: database, now: 4)
        }
        #expect(try await Self.adjust("alice", -250).record(in: database, now: 5) == .recorded(auditSeq: 2))
        #expect(try await TestGateway.eventually { try await gw.balance("alice") == 750 })
        let entry = try #require(try await gw.gateway.wallet.entry(key: try IdempotencyKey("adj:OPS-1")))
        #expect(entry.kind == .adjustment && entry.description == "Adjustment: ticket OPS-1")
        #expect(throws: OperatorError.self) { try Self.adjust("alice", 0) }
        let rows = try await AuditLog.list(database, limit: 10)
        #expect(rows.map(\.action) == ["adjustment", "adjustment"] && rows.map(\.operatorName) == ["ops-anna", "ops-anna"])
        #expect(try await AuditLog.verify(database).checked == 2)
    }

    @Test(arguments: TestBackend.available)
    func concurrentAppendsKeepOneUnbrokenChain(backend: TestBackend) async throws {
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        try await database.transaction { db in
            try await db.query("INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ('alice', 'USD', 0, 0)")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { _ = try await Self.adjust("alice", Int64(index + 1)).record(in: database, now: Int64(index)) }
            }
            try await group.waitForAll()
        }
        let (checked, broken) = try await AuditLog.verify(database)
        #expect(checked == 20 && broken == nil)
    }

    @Test(arguments: TestBackend.available)
    func anEditedOrDeletedEntryBreaksTheChainThere(backend: TestBackend) async throws {
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        for seq in 1...4 {
            try await database.transaction { db in
                try await AuditLog.append("test", subject: "s\(seq)", operator: try OperatorName("t"), details: .object(["n": .int(Int64(seq))]), now: Int64(seq), db)
            }
        }
        #expect(try await AuditLog.verify(database).firstBreak == nil)
        try await database.transaction { db in try await db.query(#"UPDATE audit_log SET details = '{"n":99}' WHERE seq = 3"#) }
        let edited = try await AuditLog.verify(database)
        #expect(edited.firstBreak?.seq == 3 && edited.checked == 2)
        #expect(edited.firstBreak?.problem.contains("edited") == true)
        // Recomputing the edited row's hash to hide the edit breaks the link of the next one.
        let row = try #require(try await AuditLog.list(database, afterSeq: 2, limit: 1).first)
        try await database.transaction { db in
            try await db.query("UPDATE audit_log SET hash = $1 WHERE seq = 3", [.text(AuditLog.hash(of: row))])
        }
        #expect(try await AuditLog.verify(database).firstBreak?.seq == 4)
        try await database.transaction { db in try await db.query("DELETE FROM audit_log WHERE seq = 2") }
        #expect(try await AuditLog.verify(database).firstBreak?.seq == 3)
    }

    /// The real binary: exit codes 0, 1, 2 and 3, and an edit behind its back caught by `audit verify`.
    @Test func operatorCommandsExitWithTheDocumentedCodes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let env = ["DATABASE_URL": "sqlite:\(directory)/gateway.sqlite", "GATEWAY_OPERATOR": "ops-cli"]
        func run(_ arguments: [String], extra: [String: String] = [:]) async throws -> (Int32, String) {
            try await GatewayProcess.runToEnd(arguments, environment: env.merging(extra) { $1 }, workingDirectory: directory)
        }
        #expect(try await run(["accounts", "create", "alice"]).0 == 0)
        let adjusted = try await run(["adjust", "--account", "alice", "--amount-cents", "500", "--reason", "goodwill", "--operator", "ops-anna"])
        #expect(adjusted.0 == 0, "\(adjusted.1)")
        let unknown = try await run(["adjust", "--account", "bob", "--amount-cents", "500", "--reason", "x", "--operator", "ops-anna"])
        #expect(unknown.0 == 1 && unknown.1.contains("unknown account bob"))
        #expect(try await run(["adjust", "--account", "alice", "--amount-cents", "0", "--reason", "x", "--operator", "a"]).0 == 2)
        #expect(try await run(["credits", "retry", "--all-parked"]).0 == 0)
        let verified = try await run(["audit", "verify"])
        #expect(verified.0 == 0 && verified.1.contains("ok: 1 entry"), "\(verified.1)")
        let listed = try await run(["audit", "list", "--json"])
        #expect(listed.0 == 0 && listed.1.contains(#""operator":"ops-anna""#))
        // The wallet agrees with the outbox: the adjustment is pending (no worker ran), not missing.
        let wallet = try await run(["reconcile", "wallet"])
        #expect(wallet.0 == 0 && wallet.1.contains("still on their way"), "\(wallet.1)")
        #expect(try await run(["reconcile", "stripe", "--since", "2026-11-01"]).0 == 2, "no STRIPE_API_KEY")
        let port = try GatewayProcess.freePort()
        let down = try await run(["reconcile", "stripe", "--since", "2026-11-01"], extra: [
            "STRIPE_API_KEY": "rk_test_x", "STRIPE_API_BASE": "http://127.0.0.1:\(port)",
        ])
        #expect(down.0 == 3, "\(down.1)")
        #expect(try await run(["reconcile", "stripe", "--since", "last tuesday"], extra: ["STRIPE_API_KEY": "rk_test_x"]).0 == 2)
        #expect(try await run(["reconcile", "chain", "--from", "1", "--to", "2"]).0 == 2, "no ETH_RPC_URL")
        // ArgumentParser's own usage errors exit 2 as well, not EX_USAGE.
        #expect(try await run(["reconcile", "chain", "--from", "5", "--to", "1"]).0 == 2)
        #expect(try await run(["reconcile", "stripe"]).0 == 2, "--since is required")
        #expect(try await run(["no-such-command"]).0 == 2)
        #expect(try await run(["audit", "--help"]).0 == 0)
        // Tamper with the log behind the binary's back.
        let database = try await TestBackend.sqlite.open(.sqlite(path: "\(directory)/gateway.sqlite"))
        try await database.transaction { db in try await db.query("UPDATE audit_log SET operator = 'someone-else' WHERE seq = 1") }
        await database.close()
        let broken = try await run(["audit", "verify"])
        #expect(broken.0 == 1 && broken.1.contains("BROKEN at entry 1"), "\(broken.1)")
    }
}
