import Foundation
import GatewayCore
import GatewayTestSupport
import Store
import Testing

@Suite("Outbox delivery")
struct OutboxDeliveryTests {
    @Test("rows reach the embedded wallet exactly once", arguments: TestBackend.available)
    func deliversOnce(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend)
        defer { Task { await gw.stop() } }
        try await gw.createAccount("o1")
        let requests = try (0..<30).map { try OutboxSeeding.credit("test:o1:\($0)", account: "o1", cents: 100 + Int64($0)) }
        try await OutboxSeeding.enqueue(requests, into: gw.gateway.database)
        // Enqueuing the same facts again changes nothing.
        try await OutboxSeeding.enqueue(requests, into: gw.gateway.database)
        let expected = (0..<30).reduce(Int64(0)) { $0 + 100 + Int64($1) }
        #expect(try await TestGateway.eventually { try await gw.balance("o1") == expected })
        #expect(try await TestGateway.eventually {
            try await gw.gateway.outbox.list(status: .delivered, limit: 100).count == 30
        })
        let item = try await gw.gateway.outbox.item(key: try IdempotencyKey("test:o1:0"))
        #expect(item?.state.walletEntryID?.hasPrefix("ent_") == true)
        #expect(try await gw.gateway.wallet.entry(key: try IdempotencyKey("test:o1:0"))?.detailsJSON == #"{"seed":"test:o1:0"}"#)
    }

    @Test("an unknown account parks the row with its reason; a retry delivers it", arguments: TestBackend.available)
    func parksAndRetries(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend)
        defer { Task { await gw.stop() } }
        try await OutboxSeeding.enqueue([try OutboxSeeding.credit("test:late:1", account: "late", cents: 250)], into: gw.gateway.database)
        #expect(try await TestGateway.eventually {
            try await gw.gateway.outbox.list(status: .parked, limit: 10).count == 1
        })
        let parked = try #require(try await gw.gateway.outbox.list(status: .parked, limit: 10).first)
        #expect(parked.state.parkedReason?.contains("account_not_found") == true)
        try await gw.createAccount("late")
        _ = try await gw.gateway.outbox.retry(id: parked.id, now: gw.gateway.clock.nowMillis())
        #expect(try await TestGateway.eventually { try await gw.balance("late") == 250 })
    }

    @Test("a remote wallet that is down: rows wait, retry, and arrive once it is back", arguments: TestBackend.available)
    func remoteWalletDownThenBack(backend: TestBackend) async throws {
        let walletPort = try GatewayProcess.freePort()
        let walletToken = "remote-wallet-token-0123456789"
        // Process A: ingestion side, crediting a wallet at a port where nothing listens yet.
        let sender = try await TestGateway.start(backend: backend, environment: [
            "WALLET_API_URL": "http://127.0.0.1:\(walletPort)", "WALLET_API_TOKEN": walletToken,
            // A short request timeout and backoff cap: each attempt at a port where nothing
            // listens may wait out the timeout (the HTTP client keeps trying to connect until
            // then), and at the defaults (10 s, 8 at a time) two rounds of 20 rows outlast the
            // wait below on a loaded two-core machine.
            "OUTBOX_MAX_ATTEMPTS": "1000", "OUTBOX_REQUEST_TIMEOUT_MS": "1000", "OUTBOX_BACKOFF_MAX_MS": "2000",
        ], parts: [.outboxWorker])
        defer { Task { await sender.stop() } }
        let requests = try (0..<20).map { try OutboxSeeding.credit("test:remote:\($0)", account: "r1", cents: 10) }
        try await OutboxSeeding.enqueue(requests, into: sender.gateway.database)
        // Generous: a parallel run shares two cores.
        try #require(try await TestGateway.eventually(timeout: .seconds(90)) {
            let retrying = try await sender.gateway.outbox.list(status: .retrying, limit: 100)
            return retrying.count == 20 && retrying.allSatisfy { $0.state.attempts >= 2 }
        })
        let failing = try #require(try await sender.gateway.outbox.list(status: .retrying, limit: 1).first)
        // Usually "wallet unreachable: …"; the reason is recorded whatever it is (the free port
        // picked above may be taken meanwhile by another test's listener, which answers).
        #expect(failing.state.lastError?.hasPrefix("wallet") == true, "\(failing.state)")

        // Process B: the wallet, on its own store (with the account already there, or the
        // first deliveries would rightly park as unknown-account), comes up on that port.
        let walletLocation = try await backend.freshLocation()
        let walletStore = try await backend.open(walletLocation)
        _ = try await WalletStore(database: walletStore).createAccount(try AccountID("r1"), now: 0)
        await walletStore.close()
        let wallet = try await TestGateway.start(backend: backend, location: walletLocation, environment: [
            "GATEWAY_INTERNAL_LISTEN": "127.0.0.1:\(walletPort)", "GATEWAY_INTERNAL_TOKENS": walletToken,
        ], parts: [.internalHTTP])
        defer { Task { await wallet.stop() } }
        // Generous: after many refused connects the HTTP client's pool waits longer and longer
        // (up to a minute) before it tries that host again.
        let arrived = try await TestGateway.eventually(timeout: .seconds(120)) { try await wallet.balance("r1") == 200 }
        if !arrived {
            let rows = try await sender.gateway.outbox.list(status: nil, limit: 100)
            Issue.record("balance \(String(describing: try await wallet.balance("r1"))); rows: \(rows.map { "\($0.state.status) \($0.state.attempts) \($0.state.lastError ?? "")" })")
        }
        #expect(try await TestGateway.eventually {
            try await sender.gateway.outbox.list(status: .delivered, limit: 100).count == 20
        })
        #expect(try await sender.gateway.wallet.account(try AccountID("r1")) == nil, "credits went to the remote wallet only")
    }

    @Test("the retry schedule backs off exponentially and parks at the cap")
    func retryPolicy() {
        let policy = OutboxRetryPolicy(maxAttempts: 3, baseDelayMillis: 1000, maxDelayMillis: 3000)
        #expect(policy.delayMillis(afterAttempt: 1, jitterPermille: 0) == 500)
        #expect(policy.delayMillis(afterAttempt: 1, jitterPermille: 999) == 999)
        #expect(policy.delayMillis(afterAttempt: 2, jitterPermille: 0) == 1000)
        #expect(policy.delayMillis(afterAttempt: 10, jitterPermille: 0) == 1500)
        #expect(policy.delayMillis(afterAttempt: 200, jitterPermille: 500) == 2250)
        var state = OutboxState.new(now: 0)
        state = state.after(.transient("down"), now: 10, policy: policy, jitterPermille: 0)
        #expect(state.status == .retrying && state.nextAttemptAtMillis == 510)
        state = state.after(.transient("down"), now: 600, policy: policy, jitterPermille: 0)
        #expect(state.status == .retrying)
        state = state.after(.transient("down"), now: 2000, policy: policy, jitterPermille: 0)
        #expect(state.status == .parked)
        #expect(state.parkedReason?.contains("3 attempts") == true)
        #expect(state.retried(now: 5000)?.status == .pending)
        let delivered = OutboxState.new(now: 0).after(.delivered(walletEntryID: "ent_1"), now: 1, policy: policy, jitterPermille: 0)
        #expect(delivered.status == .delivered)
        #expect(delivered.retried(now: 2) == nil)
        let parked = OutboxState.new(now: 0).after(.permanent("account_not_found"), now: 1, policy: policy, jitterPermille: 0)
        #expect(parked.status == .parked && parked.parkedReason == "account_not_found")
    }
}
