import GatewayCore
import GatewayTestSupport
import Logging
import Store
import Testing

/// One suite, run against SQLite and the real PostgreSQL server.
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test("migrations apply from empty, then re-running changes nothing", arguments: TestBackend.available)
    func migrationsFromEmpty(backend: TestBackend) async throws {
        let database = try await backend.freshLocation().open(logger: .init(label: "test"))
        defer { Task { await database.close() } }
        let migrator = Migrator(database: database)
        #expect(try await migrator.currentVersion() == 0)
        let applied = try await migrator.migrate(now: 1)
        #expect(applied == Migrations.all.map(\.version))
        #expect(try await migrator.currentVersion() == Migrations.latestVersion)
        #expect(try await migrator.migrate(now: 2).isEmpty)
        try await migrator.checkCurrent()
    }

    @Test("a schema newer than the binary is refused, not crashed on", arguments: TestBackend.available)
    func newerSchemaRefused(backend: TestBackend) async throws {
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        try await database.transaction { db in
            try await db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)")
        }
        await #expect(throws: StoreError.schemaTooNew(database: 999, binary: Migrations.latestVersion)) {
            try await Migrator(database: database).migrate(now: 0)
        }
        await #expect(throws: StoreError.self) { try await Migrator(database: database).checkCurrent() }
    }

    @Test("concurrent migrators apply each version once", arguments: TestBackend.available)
    func concurrentMigrators(backend: TestBackend) async throws {
        let location = try await backend.freshLocation()
        let databases = try await [location.open(logger: .init(label: "a")), location.open(logger: .init(label: "b"))]
        let results = try await withThrowingTaskGroup(of: [Int].self) { group in
            for database in databases { group.addTask { try await Migrator(database: database).migrate(now: 0) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.flatMap { $0 }.sorted() == Migrations.all.map(\.version))
        for database in databases { await database.close() }
    }

    @Test("a unique key refuses a second row", arguments: TestBackend.available)
    func uniqueConflict(backend: TestBackend) async throws {
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        let insert = "INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ('a1', 'USD', 0, 0)"
        try await database.transaction { db in try await db.query(insert) }
        await #expect(throws: StoreError.self) {
            try await database.transaction { db in try await db.query(insert) }
        }
        do {
            try await database.transaction { db in try await db.query(insert) }
        } catch let error as StoreError {
            guard case .uniqueViolation = error else {
                Issue.record("expected uniqueViolation, got \(error)")
                return
            }
        }
        // The outbox's idempotency key: a second enqueue of one fact is a no-op.
        let request = try OutboxRequest(
            key: IdempotencyKey("stripe:pi_1"), account: AccountID("a1"), direction: .credit,
            amount: PositiveCents(100), currency: .usd, kind: .cardTopup, reference: "pi_1", description: "test"
        )
        let first = try await database.transaction { db in try await OutboxStore.enqueue(request, now: 0, db) }
        let second = try await database.transaction { db in try await OutboxStore.enqueue(request, now: 0, db) }
        #expect(first && !second)
    }

    @Test("a failed transaction leaves nothing behind", arguments: TestBackend.available)
    func rollback(backend: TestBackend) async throws {
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await database.transaction { db in
                try await db.query("INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ('r1', 'USD', 0, 0)")
                throw Boom()
            }
        }
        let count = try await database.transaction { db in
            try await db.queryOne("SELECT COUNT(*) AS n FROM accounts")?.int("n")
        }
        #expect(count == 0)
    }

    @Test("concurrent writers never lose an update", arguments: TestBackend.available)
    func concurrentWriters(backend: TestBackend) async throws {
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        try await database.transaction { db in
            try await db.query("INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ('c1', 'USD', 0, 0)")
        }
        let writers = 100
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    try await database.transaction { db in
                        // Read-modify-write: only correct if transactions really exclude each other.
                        let row = try await db.queryOne("SELECT balance_cents FROM accounts WHERE id = 'c1' \(db.dialect.forUpdate)")
                        let balance = try row?.int("balance_cents") ?? 0
                        try await db.query("UPDATE accounts SET balance_cents = $1 WHERE id = 'c1'", [.int(balance + 1)])
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await database.transaction { db in
            try await db.queryOne("SELECT balance_cents FROM accounts WHERE id = 'c1'")?.int("balance_cents")
        }
        #expect(final == Int64(writers))
    }

    @Test("integers and text round-trip exactly, including wei-sized decimal text", arguments: TestBackend.available)
    func roundTrip(backend: TestBackend) async throws {
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        let wei = String(UInt128.max)
        try await database.transaction { db in
            try await SettingsStore.set("wei", wei, now: Int64.max, db)
            try await SettingsStore.set("text", "ünïcode ✓ 'quoted' $1", now: 0, db)
        }
        let (storedWei, storedText) = try await database.transaction { db in
            (try await SettingsStore.get("wei", db), try await SettingsStore.get("text", db))
        }
        #expect(storedWei == wei)
        #expect(storedText == "ünïcode ✓ 'quoted' $1")
    }

    /// SQLite commits concurrent transactions as a group (one fsync); each must still stand or
    /// fall alone, and see its own result.
    @Test("concurrent transactions: a failing one rolls back alone, the rest commit", arguments: TestBackend.available)
    func concurrentFailuresStayIsolated(backend: TestBackend) async throws {
        struct Refused: Error {}
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        let echoed = try await database.transaction { db -> Int in
                            try await db.query(
                                "INSERT INTO settings (key, value, updated_at) VALUES ($1, 'v', 0)", [.text("k\(index)")]
                            )
                            if index % 7 == 0 { throw Refused() }
                            return index
                        }
                        return (echoed, true)
                    } catch is Refused {
                        return (index, false)
                    }
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.filter { !$0.value }.keys.sorted() == (0..<200).filter { $0 % 7 == 0 })
        let stored = try await database.transaction { db in
            try await db.query("SELECT key FROM settings WHERE key LIKE 'k%'").map { try $0.text("key") }
        }
        #expect(Set(stored) == Set((0..<200).filter { $0 % 7 != 0 }.map { "k\($0)" }))
    }

    @Test("a deposit key repeated within one scan step is recorded once", arguments: TestBackend.available)
    func repeatedKeysInOneStep(backend: TestBackend) async throws {
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        let deposit = try DepositRecord(
            key: "eth:1:0xaa:3", chainID: 1, txHash: "0xaa", logIndex: 3, account: "alice", address: "0xbb", asset: "USDT",
            amountUnits: "5", blockNumber: 7, blockHash: "0xcc", status: .seen, reason: nil, seenAtMillis: 0
        )
        try await database.transaction { db in
            try await db.query("INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ('alice', 'USD', 0, 0)")
            try await DepositStore.observeMany([deposit, deposit], now: 1, db)
            try await DepositStore.observeMany([deposit], now: 2, db)
        }
        let count = try await database.transaction { db in
            try await db.queryOne("SELECT COUNT(*) AS n FROM deposits")?.int("n")
        }
        #expect(count == 1)
    }

    @Test("deposit addresses become Ethereum's, keep their ids, and an account may hold one per chain", arguments: TestBackend.available)
    func addressesPerChainMigration(backend: TestBackend) async throws {
        let location = try await backend.freshLocation()
        let database = try await location.open(logger: Logger(label: "test"))
        defer { Task { await database.close() } }
        try await Migrator(database: database, migrations: Array(Migrations.all.prefix(10))).migrate(now: 0)
        try await database.transaction { db in
            for (id, account, index) in [(5, "alice", 0), (9, "bob", 1)] {
                try await db.query(
                    "INSERT INTO deposit_addresses (id, account_id, key_id, address_index, address, created_at) VALUES ($1, $2, 'k', $3, $4, 0)",
                    [.int(Int64(id)), .text(account), .int(Int64(index)), .text("0x\(index)")]
                )
            }
        }
        try await Migrator(database: database).migrate(now: 1)
        let rows = try await database.transaction { db in
            try await db.query("SELECT id, account_id, chain FROM deposit_addresses ORDER BY id").map {
                "\(try $0.int("id")) \(try $0.text("account_id")) \(try $0.text("chain"))"
            }
        }
        #expect(rows == ["5 alice ethereum", "9 bob ethereum"], "ids kept: every address book pages through them")
        try await database.transaction { db in
            try await db.query("INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ('alice', 'USD', 0, 0)")
        }
        let store = DepositAddressStore(database: database)
        let tron = try await store.assign(try AccountID("alice"), chain: .tron, keyID: "t", now: 2) { _ in "0x0" }
        guard case .assigned(let record) = tron else {
            Issue.record("alice gets a Tron address beside her Ethereum one: \(tron)")
            return
        }
        #expect(record.chain == .tron && record.address == "0x0", "the same 20 bytes may be another chain's address")
        let newest = try await database.transaction { db in try await db.queryOne("SELECT MAX(id) AS id FROM deposit_addresses")?.int("id") }
        #expect((newest ?? 0) > 9, "new rows come after the kept ids")
        #expect(try await store.records(for: try AccountID("alice")).map(\.chain) == [.ethereum, .tron])
    }

    @Test("accounts, entries and outbox rows from before currencies are USD, and keep their balances and bodies", arguments: TestBackend.available)
    func currenciesMigration(backend: TestBackend) async throws {
        let location = try await backend.freshLocation()
        let database = try await location.open(logger: Logger(label: "test"))
        defer { Task { await database.close() } }
        try await Migrator(database: database, migrations: Array(Migrations.all.prefix(12))).migrate(now: 0)
        try await database.transaction { db in
            try await db.query("INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ('alice', 'USD', 1500, 0)")
            try await db.query(
                """
                INSERT INTO ledger_entries (account_id, idempotency_key, request_hash, kind, amount_cents, balance_after_cents,
                    reference, description, details, created_at)
                VALUES ('alice', 'stripe:pi_1', 'h', 'card_topup', 1500, 1500, 'pi_1', 'Card top-up', '{}', 0)
                """
            )
            try await db.query(
                """
                INSERT INTO outbox (idempotency_key, account_id, direction, amount_cents, kind, reference, description, details,
                    allow_negative, status, attempts, next_attempt_at, created_at, updated_at)
                VALUES ('stripe:pi_2', 'alice', 'credit', 700, 'card_topup', 'pi_2', 'Card top-up', '{}', 0, 'pending', 0, 0, 0, 0)
                """
            )
        }
        try await Migrator(database: database).migrate(now: 1)
        let wallet = WalletStore(database: database)
        #expect(try await wallet.account(try AccountID("alice"))?.balance == Money(1500, .usd))
        #expect(try await wallet.entry(key: try IdempotencyKey("stripe:pi_1"))?.amount == Money(1500, .usd))
        // In flight: no currency recorded, so it is posted as it always was.
        let row = try await OutboxStore(database: database).item(key: try IdempotencyKey("stripe:pi_2"))
        #expect(row != nil && row?.currency == nil)
        // The CHECK that allowed only USD is gone: a EUR account can be created now.
        let (eve, created) = try await wallet.createAccount(try AccountID("eve"), currency: .eur, now: 2)
        #expect(created && eve.currency == .eur)
    }

    @Test("deposits recorded before identities keep their keys and rows through the migration", arguments: TestBackend.available)
    func depositIdentityMigration(backend: TestBackend) async throws {
        let location = try await backend.freshLocation()
        let database = try await location.open(logger: Logger(label: "test"))
        defer { Task { await database.close() } }
        try await Migrator(database: database, migrations: Array(Migrations.all.prefix(7))).migrate(now: 0)
        try await database.transaction { db in
            for (key, asset, index, status) in [("eth:1:0xAA:-1", "ETH", -1, "credited"), ("eth:1:0xaa:7", "USDT", 7, "orphaned"), ("eth:1:0xbb:7", "USDT", 7, "seen")] {
                try await db.query(
                    """
                    INSERT INTO deposits (deposit_key, chain_id, tx_hash, log_index, account_id, address, asset, amount_units,
                        block_number, block_hash, status, usd_cents, seen_at, updated_at)
                    VALUES ($1, 1, $2, $3, 'alice', '0xcc', $4, '5', 9, '0xdd', $5, 12, 0, 0)
                    """,
                    [SQLValue.text(key), .text(key.contains("0xbb") ? "0xbb" : "0xAA"), .int(Int64(index)), .text(asset), .text(status)]
                )
            }
        }
        try await Migrator(database: database).migrate(now: 1)
        let rows = try await database.transaction { db in
            try await db.query("SELECT deposit_key, identity, status, usd_cents FROM deposits ORDER BY id").map {
                "\(try $0.text("deposit_key")) \(try $0.optionalText("identity") ?? "-") \(try $0.text("status")) \(try $0.int("usd_cents"))"
            }
        }
        #expect(rows == ["eth:1:0xAA:-1 1:0xaa:eth:-1 credited 12", "eth:1:0xaa:7 - orphaned 12", "eth:1:0xbb:7 - seen 12"])
        // The log index is data now: two rows of one transaction may hold the same one.
        try await database.transaction { db in
            try await db.query("UPDATE deposits SET log_index = 7, tx_hash = '0xAA' WHERE deposit_key = 'eth:1:0xbb:7'")
        }
    }

    @Test("a backlog waiting for one asset's rate does not hold back another asset's deposits", arguments: TestBackend.available)
    func confirmationIsFairAcrossAssets(backend: TestBackend) async throws {
        let database = try await backend.openMigrated()
        defer { Task { await database.close() } }
        try await database.transaction { db in
            try await db.query("INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ('alice', 'USD', 0, 0)")
            var deposits: [DepositRecord] = []
            for n in 0..<30 {
                var waiting = try DepositRecord(
                    key: "eth:1:0xa\(n):usdt:0", chainID: 1, txHash: "0xa\(n)", logIndex: 0, account: "alice", address: "0xbb",
                    asset: "USDT", amountUnits: "5", blockNumber: 1, blockHash: "0xcc", status: .awaitingRate, seenAtMillis: 0,
                    identity: "1:0xa\(n):usdt:0"
                )
                waiting.status = .awaitingRate
                deposits.append(waiting)
            }
            deposits.append(try DepositRecord(
                key: "eth:1:0xee:-1", chainID: 1, txHash: "0xee", logIndex: -1, account: "alice", address: "0xbb", asset: "ETH",
                amountUnits: "7", blockNumber: 2, blockHash: "0xdd", status: .seen, seenAtMillis: 0, identity: "1:0xee:eth:-1"
            ))
            try await DepositStore.observeMany(deposits, now: 1, db)
        }
        let ready = try await database.transaction { db in try await DepositStore.pendingFairly(chainID: 1, maxBlock: 10, limitPerGroup: 10, db) }
        #expect(ready.filter { $0.asset == .usdt }.count == 10)
        #expect(ready.contains { $0.asset == .eth }, "the ETH deposit gets its turn")
    }
}
