import Foundation
import GatewayCore
import GatewayTestSupport
import Logging
import Store
import Testing

/// kill -9 the real binary while it delivers, restart it, and check every credit landed once.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    @Test(arguments: TestBackend.available)
    func killNineDuringDeliveryLosesAndDoublesNothing(backend: TestBackend) async throws {
        let location = try await backend.freshLocation()
        let databaseURL = TestBackend.databaseURL(location)
        let database = try await location.open(logger: Logger(label: "test"))
        defer { Task { await database.close() } }
        try await Migrator(database: database).migrate(now: 0)
        let accounts = ["k1", "k2", "k3"]
        for account in accounts { _ = try await WalletStore(database: database).createAccount(try AccountID(account), now: 0) }
        var expected: [String: Int64] = [:]
        var requests: [OutboxRequest] = []
        for index in 0..<300 {
            let account = accounts[index % accounts.count]
            let cents = Int64(1 + index)
            expected[account, default: 0] += cents
            requests.append(try OutboxSeeding.credit("test:crash:\(index)", account: account, cents: cents))
        }
        try await OutboxSeeding.enqueue(requests, into: database)

        let workingDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)").path
        let env = [
            "DATABASE_URL": databaseURL, "GATEWAY_PUBLIC_LISTEN": "127.0.0.1:0",
            "GATEWAY_INTERNAL_TOKENS": TestGateway.token,
            // Small batches so a kill lands mid-stream rather than between two huge rounds.
            "OUTBOX_BATCH_SIZE": "5", "OUTBOX_CONCURRENCY": "2", "OUTBOX_POLL_INTERVAL_MS": "10",
            "OUTBOX_BACKOFF_BASE_MS": "10", "OUTBOX_BACKOFF_MAX_MS": "100", "OUTBOX_REQUEST_TIMEOUT_MS": "1000",
        ]
        let outbox = OutboxStore(database: database)
        // Kill at three different points of progress.
        for threshold in [20, 120, 220] {
            var runEnv = env
            runEnv["GATEWAY_INTERNAL_LISTEN"] = "127.0.0.1:\(try GatewayProcess.freePort())"
            let child = try GatewayProcess(arguments: ["run"], environment: runEnv, workingDirectory: workingDirectory)
            let reached = try await TestGateway.eventually(timeout: .seconds(60)) {
                try await outbox.list(status: .delivered, limit: 1000).count >= threshold
            }
            child.killHard()
            #expect(reached, "never reached \(threshold) deliveries: \(child.output)")
        }
        var finalEnv = env
        finalEnv["GATEWAY_INTERNAL_LISTEN"] = "127.0.0.1:\(try GatewayProcess.freePort())"
        let last = try GatewayProcess(arguments: ["run"], environment: finalEnv, workingDirectory: workingDirectory)
        let done = try await TestGateway.eventually(timeout: .seconds(120)) {
            try await outbox.list(status: .delivered, limit: 1000).count == 300
        }
        last.signal(SIGTERM)
        _ = try await last.wait()
        #expect(done, "not all delivered: \(last.output)")

        let wallet = WalletStore(database: database)
        for account in accounts {
            #expect(try await wallet.account(try AccountID(account))?.balance.minor == expected[account])
        }
        let (status, output) = try await GatewayProcess.runToEnd(["wallet", "verify"], environment: ["DATABASE_URL": databaseURL],
                                                                 workingDirectory: workingDirectory)
        #expect(status == 0, "\(output)")
    }
}
