import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// The real binary against the devnet: kill -9 and restart, and a hot standby taking over.
@Suite("Watcher processes", .serialized, .enabled(if: Devnet.python != nil, "GATEWAY_PYTHON unset: the devnet needs the project venv"))
struct WatcherProcessTests {
    static func environment(_ devnet: Devnet, _ cex: FakeCex, databaseURL: String) -> [String: String] {
        [
            "DATABASE_URL": databaseURL, "ETH_XPUB": DepositAddressTests.abandonXpub, "ETH_RPC_URL": devnet.rpcURL,
            "ETH_CHAIN_ID": "\(devnet.chainID)", "ETH_CONFIRMATIONS": "3", "ETH_USDT_CONTRACT": devnet.usdt,
            "ETH_START_BLOCK": "1", "ETH_POLL_INTERVAL_MS": "100", "CEXIO_BASE_URL": cex.baseURL, "RATES_REFRESH_SECONDS": "5",
            "GATEWAY_INTERNAL_TOKENS": TestGateway.token, "GATEWAY_PUBLIC_LISTEN": "127.0.0.1:0",
            "OUTBOX_POLL_INTERVAL_MS": "50", "WATCHER_LEASE_SECONDS": "2",
        ]
    }

    /// Creates the account and its address through the same builders, then closes the store.
    static func prepare(_ location: DatabaseLocation, env: [String: String]) async throws -> (address: String, database: any Database) {
        let gw = try await TestGateway.start(backend: .sqlite, location: location, environment: env, parts: [])
        _ = try await gw.gateway.wallet.createAccount(try AccountID("alice"), now: 0)
        let (_, json) = try await gw.gateway.depositAddress(for: try AccountID("alice"))
        await gw.stop()
        let database = try await location.open(logger: .init(label: "test"))
        return (json["address"]?.stringValue ?? "", database)
    }

    static func deposits(_ database: any Database) async throws -> [DepositRecord] {
        try await database.transaction { db in try await DepositStore.list(status: nil, account: "alice", limit: 100, db) }
    }

    @Test(arguments: TestBackend.available)
    func killNineMidwayResumesWithoutMissingOrDoubling(backend: TestBackend) async throws {
        let devnet = try await Devnet.start()
        defer { devnet.stop() }
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        let location = try await backend.freshLocation()
        var env = Self.environment(devnet, cex, databaseURL: TestBackend.databaseURL(location))
        let (address, database) = try await Self.prepare(location, env: env)
        defer { Task { await database.close() } }
        let wallet = WalletStore(database: database)

        try await devnet.call("devnet_sendEth", "[\"\(address)\", \(Devnet.hex(1_000_000_000_000_000_000))]")  // 1 ETH
        try await devnet.mine(1)
        env["GATEWAY_INTERNAL_LISTEN"] = "127.0.0.1:\(try GatewayProcess.freePort())"
        var child = try GatewayProcess(arguments: ["run"], environment: env)
        #expect(try await TestGateway.eventually(timeout: .seconds(60)) { try await Self.deposits(database).count == 1 }, "\(child.output)")
        child.killHard()

        try await devnet.call("devnet_sendToken", "[\"\(address)\", \"0x1312d00\", \"usdt\"]")  // 20 USDT
        try await devnet.mine(2)
        child = try GatewayProcess(arguments: ["run"], environment: env)
        #expect(try await TestGateway.eventually(timeout: .seconds(60)) {
            try await Self.deposits(database).contains { $0.status == .credited }
        }, "\(child.output)")
        child.killHard()
        try await devnet.mine(4)
        child = try GatewayProcess(arguments: ["run"], environment: env)
        // 1 ETH at 3012.45 + 20 USDT at 1.0001 = 3012.45 + 20.002 → 301245 + 2000 cents.
        let settled = try await TestGateway.eventually(timeout: .seconds(90)) {
            try await wallet.account(try AccountID("alice"))?.balance.minor == 301_245 + 2_000
        }
        child.signal(SIGTERM)
        _ = try await child.wait()
        if !settled {
            let rows = try await OutboxStore(database: database).list(status: nil, limit: 10)
            Issue.record("deposits: \(try await Self.deposits(database).map { "\($0.status) \($0.reason ?? "")" }); outbox: \(rows.map { "\($0.state.status) \($0.state.lastError ?? "")" }); balance \(String(describing: try await wallet.account(try AccountID("alice"))?.balance))")
        }
        #expect(settled, "\(child.output)")
        let deposits = try await Self.deposits(database)
        #expect(deposits.count == 2)
        #expect(deposits.allSatisfy { $0.status == .credited })
        #expect(try await wallet.history(try AccountID("alice"), limit: 10, startingAfter: nil).count == 2)
    }

    /// One `gateway run` watches Ethereum and Tron at once, each under its own lease, and a
    /// kill -9 between a Tron deposit's sighting and its confirmation loses and doubles nothing.
    @Test(arguments: TestBackend.available)
    func ethereumAndTronInOneProcessThroughKillNine(backend: TestBackend) async throws {
        let devnet = try await Devnet.start()
        defer { devnet.stop() }
        let tron = try await Devnet.start(extraArguments: ["--tron"])
        defer { tron.stop() }
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        let location = try await backend.freshLocation()
        var env = Self.environment(devnet, cex, databaseURL: TestBackend.databaseURL(location))
        env.merge([
            "TRON_XPUB": DepositAddressTests.abandonTronXpub, "TRON_RPC_URL": tron.rpcURL, "TRON_USDT_CONTRACT": tron.usdtTronHex,
            "TRON_START_BLOCK": "1", "TRON_CONFIRMATIONS": "4",
        ]) { $1 }
        let (ethAddress, database) = try await Self.prepare(location, env: env)
        defer { Task { await database.close() } }
        let tronAddress = try await {
            let gw = try await TestGateway.start(backend: .sqlite, location: location, environment: env, parts: [])
            defer { Task { await gw.stop() } }
            return try await gw.gateway.depositAddress(for: try AccountID("alice"), chain: .tron).record.address
        }()
        let wallet = WalletStore(database: database)

        try await devnet.call("devnet_sendEth", "[\"\(ethAddress)\", \(Devnet.hex(1_000_000_000_000_000_000))]")  // 1 ETH
        try await tron.call("devnet_sendToken", "[\"\(tronAddress)\", \"0x1312d00\", \"usdt\"]")  // 20 USDT
        try await devnet.mine(1)
        try await tron.mine(1)
        env["GATEWAY_INTERNAL_LISTEN"] = "127.0.0.1:\(try GatewayProcess.freePort())"
        var child = try GatewayProcess(arguments: ["run"], environment: env)
        #expect(try await TestGateway.eventually(timeout: .seconds(60)) { try await Self.deposits(database).count == 2 }, "\(child.output)")
        child.killHard()
        try await devnet.mine(4)
        try await tron.mine(4)
        child = try GatewayProcess(arguments: ["run"], environment: env)
        // 1 ETH at 3012.45 + 20 USDT at 1.0001 → 301245 + 2000 cents.
        let settled = try await TestGateway.eventually(timeout: .seconds(90)) {
            try await wallet.account(try AccountID("alice"))?.balance.minor == 301_245 + 2_000
        }
        child.signal(SIGTERM)
        _ = try await child.wait()
        #expect(settled, "\(child.output)")
        let deposits = try await Self.deposits(database)
        #expect(deposits.count == 2 && deposits.allSatisfy { $0.status == .credited })
        #expect(Set(deposits.map { $0.key.rawValue.split(separator: ":").first.map(String.init) ?? "" }) == ["eth", "tron"])
        let leases = try await database.transaction { db in try await db.query("SELECT name FROM leases ORDER BY name").map { try $0.text("name") } }
        #expect(leases.allSatisfy { ["eth-watcher", "tron-watcher", "rates"].contains($0) }, "\(leases)")
    }

    @Test func aStandbyWatcherTakesOverWithoutDoubleCredit() async throws {
        let backend: TestBackend = TestBackend.available.contains(.postgres) ? .postgres : .sqlite
        let devnet = try await Devnet.start()
        defer { devnet.stop() }
        let cex = try await FakeCex.start()
        defer { Task { await cex.stop() } }
        let location = try await backend.freshLocation()
        let env = Self.environment(devnet, cex, databaseURL: TestBackend.databaseURL(location))
        let (address, database) = try await Self.prepare(location, env: env)
        defer { Task { await database.close() } }

        let first = try GatewayProcess(arguments: ["watch"], environment: env)
        let second = try GatewayProcess(arguments: ["watch"], environment: env)
        defer { first.killHard(); second.killHard() }
        try await devnet.call("devnet_sendEth", "[\"\(address)\", \(Devnet.hex(1_000_000_000_000_000_000))]")
        try await devnet.mine(3)
        #expect(try await TestGateway.eventually(timeout: .seconds(30)) {
            try await Self.deposits(database).first?.status == .credited
        }, "\(first.output)\n\(second.output)")
        // Kill whichever holds the lease.
        let holder = try await database.transaction { db in
            try await db.queryOne("SELECT holder FROM leases WHERE name = 'eth-watcher'")?.text("holder")
        } ?? ""
        let active = holder.contains(":\(first.process.processIdentifier):") ? first : second
        let standby = active === first ? second : first
        active.killHard()
        try await devnet.call("devnet_sendToken", "[\"\(address)\", \"0x1312d00\", \"usdt\"]")
        try await devnet.mine(3)
        let tookOver = try await TestGateway.eventually(timeout: .seconds(30)) {
            try await Self.deposits(database).filter { $0.status == .credited }.count == 2
        }
        #expect(tookOver, "\(standby.output)")
        let outbox = OutboxStore(database: database)
        let rows = try await outbox.list(status: nil, limit: 100)
        #expect(rows.count == 2)
        #expect(Set(rows.map(\.key)).count == 2)
    }
}
