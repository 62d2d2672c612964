import Ethereum
import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Testing

/// The watcher under any fault, randomized, on the py-evm devnet: a seeded script of deposits
/// (ETH, USDT, two transfers in one transaction), failed transactions, reorgs of random depth
/// with and without replay (at another position or height), node faults, a lagging second
/// endpoint and two fenced watchers whose lease passes between them mid-script. At the end,
/// with the chain quiet and deep enough: every canonical deposit is credited exactly once at
/// the rate recorded on it, nothing off the chain keeps a credit unseen, and `reconcile chain`,
/// `reconcile wallet` and the wallet's balances all agree.
///
/// `CHAIN_FUZZ_SEED` replays; `CHAIN_FUZZ_SESSIONS` (per backend) and `CHAIN_FUZZ_SECONDS`
/// make it longer (`scripts/soak.sh chain`).
@Suite("The watcher under any fault, randomized", .serialized, .enabled(if: Devnet.python != nil, "GATEWAY_PYTHON unset: the devnet needs the project venv"))
struct ChainFaultTests {
    /// CI's budget: 16 sessions per backend, 32 in all, about four minutes.
    static let defaultSessions = 16
    /// One session in this many runs on the Tron stand-in.
    static let tronEvery = 8
    static let confirmations = 3
    static let oneETH: UInt128 = 1_000_000_000_000_000_000

    enum Op: CustomStringConvertible {
        case eth(account: Int, wei: UInt128)
        case usdt(account: Int, units: UInt128)
        case usdtTwice(account: Int, first: UInt128, second: UInt128)
        /// One transaction, two transfers, to both accounts.
        case usdtToBoth(first: UInt128, second: UInt128)
        case failedToken(account: Int)
        case mine(Int)
        case reorg(depth: Int, replay: Bool, prefix: Int, reincludeIn: Int)
        case fault(count: Int)
        /// The next range `eth_getLogs` answers come back empty (an endpoint that has not
        /// indexed the blocks); by hash they still answer.
        case unindexed(count: Int)
        /// The node answers slowly (below the client's timeout): latency, not failure.
        case slow(seconds: Double, count: Int)
        case step
        case lagStep(lag: Int)
        case switchWatcher
        /// A `gateway watch` process takes the lease, works for a moment and is killed with -9.
        case crash(afterMillis: Int)

        /// Whether the operation exists on the Tron stand-in's sessions (no native coin there).
        var onTron: Bool {
            if case .eth = self { return false }
            return true
        }

        var description: String {
            switch self {
            case .eth(let a, let wei): "eth(\(a), \(wei))"
            case .usdt(let a, let units): "usdt(\(a), \(units))"
            case .usdtTwice(let a, let x, let y): "usdtTwice(\(a), \(x), \(y))"
            case .usdtToBoth(let x, let y): "usdtToBoth(\(x), \(y))"
            case .failedToken(let a): "failedToken(\(a))"
            case .mine(let n): "mine(\(n))"
            case .reorg(let d, let r, let p, let k): "reorg(depth: \(d), replay: \(r), prefix: \(p), in: \(k))"
            case .fault(let n): "fault(\(n))"
            case .unindexed(let n): "unindexed(\(n))"
            case .slow(let seconds, let n): "slow(\(seconds) s, \(n))"
            case .step: "step"
            case .lagStep(let lag): "lagStep(\(lag))"
            case .switchWatcher: "switchWatcher"
            case .crash(let millis): "crash(after \(millis) ms)"
            }
        }
    }

    static func script(seed: UInt64) -> (ops: [Op], compensate: Bool) {
        var rng = SeededGenerator(seed: seed)
        var ops: [Op] = [.mine(4)]
        for _ in 0..<Int.random(in: 18...36, using: &rng) {
            let account = Int.random(in: 0...1, using: &rng)
            switch Int.random(in: 0..<20, using: &rng) {
            case 0..<3: ops.append(.eth(account: account, wei: oneETH / UInt128(Int.random(in: 1...20, using: &rng))))
            case 3..<6:
                // Now and then worth less than a cent: parked, never credited.
                let range = Int.random(in: 0..<16, using: &rng) == 0 ? 1...9_999 : 1...50_000_000
                ops.append(.usdt(account: account, units: UInt128(Int.random(in: range, using: &rng))))
            case 6:
                let (x, y) = (UInt128(Int.random(in: 1...9_000_000, using: &rng)), UInt128(Int.random(in: 1...9_000_000, using: &rng)))
                ops.append(Bool.random(using: &rng) ? .usdtTwice(account: account, first: x, second: y) : .usdtToBoth(first: x, second: y))
            case 7: ops.append(.failedToken(account: account))
            case 8..<11: ops.append(.mine(Int.random(in: 1...4, using: &rng)))
            case 11..<13:
                // Some deeper than the confirmations, so credited deposits leave the chain.
                ops.append(.reorg(
                    depth: Int.random(in: 1...(confirmations + 3), using: &rng), replay: Bool.random(using: &rng),
                    prefix: Int.random(in: 0...2, using: &rng), reincludeIn: Int.random(in: 1...2, using: &rng)
                ))
            case 13:
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: ops.append(.fault(count: Int.random(in: 1...3, using: &rng)))
                case 1: ops.append(.unindexed(count: Int.random(in: 1...3, using: &rng)))
                default: ops.append(.slow(seconds: Double(Int.random(in: 1...5, using: &rng)) / 10, count: Int.random(in: 1...3, using: &rng)))
                }
            case 14: ops.append(.lagStep(lag: Int.random(in: 1...4, using: &rng)))
            case 15: ops.append(Bool.random(using: &rng) ? .switchWatcher : .crash(afterMillis: Int.random(in: 100...1_500, using: &rng)))
            default: ops.append(.step)
            }
        }
        return (ops, Bool.random(using: &rng))
    }

    struct Sent {
        let tx: String
        let asset: String
        /// Each transfer the transaction makes to a deposit address: which account, how much.
        let parts: [(account: Int, amount: UInt128)]
        var amounts: [UInt128] { parts.map(\.amount) }
    }

    @Test("every canonical deposit is credited once; reconciliation agrees", arguments: TestBackend.available)
    func randomizedSessions(backend: TestBackend) async throws {
        let env = ProcessInfo.processInfo.environment
        let seed = env["CHAIN_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let sessions = env["CHAIN_FUZZ_SESSIONS"].flatMap(Int.init) ?? Self.defaultSessions
        let deadline = env["CHAIN_FUZZ_SECONDS"].flatMap(Double.init).map { ContinuousClock.now + .seconds($0) }
        print("chain-fuzz: backend=\(backend.rawValue) seed=\(seed) (CHAIN_FUZZ_SEED=\(seed) replays it)")
        let started = ContinuousClock.now
        // CHAIN_FUZZ_SESSION=N with the seed replays that one session alone.
        let only = env["CHAIN_FUZZ_SESSION"].flatMap(Int.init)
        var session = only ?? 0
        var operations = 0
        var tronSessions = 0
        while only.map({ session == $0 }) ?? (session < sessions) || (deadline.map { ContinuousClock.now < $0 } ?? false) {
            let sessionSeed = seed &+ UInt64(session) &* 0x9E37_79B9
            // Every eighth session follows the Tron stand-in: USDT-TRC20 only, the same faults.
            // CHAIN_FUZZ_CHAIN=tron (or ethereum) runs every session on that chain.
            let chain: Chain = env["CHAIN_FUZZ_CHAIN"].flatMap(Chain.init(rawValue:))
                ?? (session % Self.tronEvery == Self.tronEvery - 1 ? .tron : .ethereum)
            if chain == .tron { tronSessions += 1 }
            let (script, compensate) = Self.script(seed: sessionSeed)
            let ops = chain == .tron ? script.filter(\.onTron) : script
            operations += ops.count
            let problems: [String]
            do {
                problems = try await Self.run(ops, compensate: compensate, backend: backend, chain: chain)
            } catch {
                problems = ["threw: \(error)"]
            }
            if !problems.isEmpty {
                Issue.record(Comment(rawValue: ([
                    "chain-fuzz FAILED: seed=\(seed) session=\(session) chain=\(chain.rawValue) backend=\(backend.rawValue) compensate=\(compensate) "
                        + "(CHAIN_FUZZ_SEED=\(seed) CHAIN_FUZZ_SESSION=\(session) replays it)",
                    "operations: " + ops.map(\.description).joined(separator: "; "),
                ] + problems.map { "  \($0)" }).joined(separator: "\n")))
                return
            }
            session += 1
        }
        let elapsed = ContinuousClock.now - started
        print("figure: chain-fuzz backend=\(backend.rawValue) sessions=\(session) (tron \(tronSessions)) operations=\(operations) seconds=\(elapsed.components.seconds)")
    }

    // MARK: - One session

    static func run(_ ops: [Op], compensate: Bool, backend: TestBackend, chain: Chain = .ethereum) async throws -> [String] {
        let extra = ["ETH_COMPENSATE_DEEP_REORG": compensate ? "true" : "false"]
        let rig = chain == .tron
            ? try await WatcherTests.Rig.startTron(backend: backend, confirmations: confirmations, extra: extra)
            : try await WatcherTests.Rig.start(backend: backend, confirmations: confirmations, extra: extra)
        defer { Task { await rig.stop() } }
        try await rig.gw.createAccount("bob")
        let bobShown = try await rig.gw.request(.POST, "/v1/accounts/bob/deposit-address?chain=\(chain.rawValue)").json?["address"]?.stringValue ?? ""
        // The node speaks 20-byte hex on both chains; Tron's API shows T….
        let bob = chain == .tron ? try TronAddress(parsing: bobShown).evm.lowercaseHex : bobShown
        let leaseName = rig.watcher.chain.leaseName
        let addresses = [rig.address, bob]
        let accounts = ["alice", "bob"]
        let lagURL = try await rig.devnet.call("devnet_lagView", "[0]")["url"]?.stringValue ?? ""
        let database = rig.gw.gateway.database
        func watcher(_ holder: String, url: String) -> ChainWatcher {
            rig.gw.gateway.makeChainWatcher(
                chain: chain, node: JSONRPCNode(client: JSONRPCClient(endpoints: [url], timeoutMillis: 2_000, maxAttempts: 2, backoffBaseMillis: 10))
            ).fenced(by: LeaseFence(name: leaseName, holder: holder, leaseMillis: 600_000))
        }
        let holders = ["A", "B"]
        var active = 0
        func take(_ index: Int) async throws {
            let now = rig.gw.gateway.clock.nowMillis()
            try await database.transaction { db in
                try await db.query("DELETE FROM leases WHERE name = $1", [.text(leaseName)])
                _ = try await LeaseStore.acquireLease(name: leaseName, holder: holders[index], now: now, expiresAt: now + 600_000, db)
            }
        }
        try await take(0)
        var sent: [Sent] = []
        var log: [String] = []
        /// The script's own node calls go through injected faults: each is retried.
        func harness(_ method: String, _ params: String) async throws -> JSONValue {
            var attempt = 0
            while true {
                do { return try await rig.devnet.call(method, params) } catch where attempt < 10 && "\(error)".contains("injected fault") {
                    attempt += 1
                }
            }
        }
        func step(_ w: ChainWatcher) async {
            do { try await w.pollOnce() } catch { log.append("step error: \(error)") }
        }
        for op in ops {
            switch op {
            case .eth(let a, let wei):
                let tx = try await rig.devnet.call("devnet_sendEth", "[\"\(addresses[a])\", \(Devnet.hex(wei))]").stringValue ?? ""
                sent.append(Sent(tx: tx, asset: "ETH", parts: [(a, wei)]))
            case .usdt(let a, let units):
                let tx = try await rig.devnet.call("devnet_sendToken", "[\"\(addresses[a])\", \(Devnet.hex(units)), \"usdt\"]").stringValue ?? ""
                sent.append(Sent(tx: tx, asset: "USDT", parts: [(a, units)]))
            case .usdtTwice(let a, let x, let y):
                let tx = try await rig.devnet.call("devnet_sendTokenTwice", "[\"\(addresses[a])\", \(Devnet.hex(x)), \(Devnet.hex(y))]").stringValue ?? ""
                sent.append(Sent(tx: tx, asset: "USDT", parts: [(a, x), (a, y)]))
            case .usdtToBoth(let x, let y):
                let tx = try await rig.devnet.call(
                    "devnet_sendTokenToTwo", "[\"\(addresses[0])\", \"\(addresses[1])\", \(Devnet.hex(x)), \(Devnet.hex(y))]"
                ).stringValue ?? ""
                sent.append(Sent(tx: tx, asset: "USDT", parts: [(0, x), (1, y)]))
            case .failedToken(let a):
                let tx = try await rig.devnet.call("devnet_failingTokenTransfer", "[\"\(addresses[a])\", \"0xffffffffffffffff\"]").stringValue ?? ""
                _ = a
                sent.append(Sent(tx: tx, asset: "USDT", parts: []))
            case .mine(let n):
                _ = try await rig.devnet.mine(n)
            case .reorg(let depth, let replay, let prefix, let reincludeIn):
                let head = try await rig.devnet.mine(0)
                guard head > UInt64(depth) + 4 else { continue }
                var replayed: [String] = []
                if replay {
                    for number in (head - UInt64(depth) + 1)...head {
                        let block = try await harness("eth_getBlockByNumber", "[\"0x\(String(number, radix: 16))\", false]")
                        if case .array(let txs)? = block["transactions"] {
                            replayed += txs.compactMap(\.stringValue).filter { tx in sent.contains { $0.tx == tx } }
                        }
                    }
                }
                let list = replayed.map { "\"\($0)\"" }.joined(separator: ",")
                _ = try await rig.devnet.call(
                    "devnet_reorg", "[\(depth), [\(list)], {\"prefixTokenTransfers\": \(prefix), \"reincludeIn\": \(min(reincludeIn, depth + 1))}]"
                )
            case .fault(let count):
                _ = try await rig.devnet.call("devnet_fault", "[{\"mode\": \"error\", \"count\": \(count)}]")
            case .unindexed(let count):
                _ = try await rig.devnet.call("devnet_fault", "[{\"mode\": \"unindexed_logs\", \"count\": \(count)}]")
            case .slow(let seconds, let count):
                _ = try await rig.devnet.call("devnet_fault", "[{\"mode\": \"timeout\", \"seconds\": \(seconds), \"count\": \(count)}]")
            case .step:
                await step(watcher(holders[active], url: rig.devnet.rpcURL))
            case .lagStep(let lag):
                _ = try await rig.devnet.call("devnet_lagView", "[\(lag)]")
                await step(watcher(holders[active], url: lagURL))
            case .crash(let millis):
                // The lease is free for the process to take; when it dies, its lease (2 s) is
                // taken back. Whatever it wrote in committed transactions stands.
                try await database.transaction { db in try await db.query("DELETE FROM leases WHERE name = $1", [.text(leaseName)]) }
                let chainEnvironment = chain == .tron
                    ? [
                        "TRON_XPUB": DepositAddressTests.abandonTronXpub, "TRON_RPC_URL": rig.devnet.rpcURL,
                        "TRON_CONFIRMATIONS": "\(Self.confirmations)", "TRON_USDT_CONTRACT": rig.devnet.usdtTronHex, "TRON_START_BLOCK": "1",
                    ]
                    : [
                        "ETH_XPUB": DepositAddressTests.abandonXpub, "ETH_RPC_URL": rig.devnet.rpcURL,
                        "ETH_CHAIN_ID": "\(rig.devnet.chainID)", "ETH_CONFIRMATIONS": "\(Self.confirmations)",
                        "ETH_USDT_CONTRACT": rig.devnet.usdt, "ETH_START_BLOCK": "1",
                    ]
                let child = try GatewayProcess(arguments: ["watch"], environment: chainEnvironment.merging([
                    "DATABASE_URL": TestBackend.databaseURL(rig.gw.gateway.config.database), "CEXIO_BASE_URL": rig.cex.baseURL,
                    "ETH_POLL_INTERVAL_MS": "50", "WATCHER_LEASE_SECONDS": "2", "ETH_RPC_TIMEOUT_MS": "2000",
                    "ETH_COMPENSATE_DEEP_REORG": compensate ? "true" : "false", "GATEWAY_INTERNAL_TOKENS": TestGateway.token,
                ]) { $1 })
                try await Task.sleep(for: .milliseconds(millis))
                child.killHard()
                try await take(active)
            case .switchWatcher:
                // The lease passes to the other watcher while the old one is mid-step, its node
                // reads slowed so that the step outlasts the switch: both run at once, and
                // whatever the old one tries to write after the switch must not land.
                let old = active
                _ = try await rig.devnet.call(
                    "devnet_fault", #"[{"mode": "timeout", "seconds": 0.4, "count": 2, "methods": ["eth_getBlockByNumber"]}]"#
                )
                let stale = watcher(holders[old], url: rig.devnet.rpcURL)
                let oldStep = Task { () -> String? in
                    do { try await stale.pollOnce(); return nil } catch is LeaseLost { return nil } catch { return "\(error)" }
                }
                try await Task.sleep(for: .milliseconds(100))
                active = 1 - active
                try await take(active)
                await step(watcher(holders[active], url: rig.devnet.rpcURL))
                if let error = await oldStep.value { log.append("stale step error: \(error)") }
            }
        }
        // Quiet and deep: no faults, every transaction mined, enough confirmations, caught up.
        _ = try await rig.devnet.call("devnet_fault", "[{\"mode\": \"none\"}]")
        _ = try await rig.devnet.call("devnet_lagView", "[0]")
        let head = try await rig.devnet.mine(Self.confirmations + 1)
        let final = watcher(holders[active], url: rig.devnet.rpcURL)
        for _ in 0..<50 {
            let report = try await final.pollOnce()
            if report.cursor >= report.head, report.credited == 0 { break }
        }
        return try await Self.check(rig, sent: sent, accounts: accounts, compensate: compensate, head: head, watcher: final, log: log)
    }

    // MARK: - The oracle: the chain itself

    static func check(
        _ rig: WatcherTests.Rig, sent: [Sent], accounts: [String], compensate: Bool, head: UInt64, watcher: ChainWatcher, log: [String]
    ) async throws -> [String] {
        var problems: [String] = []
        // What the canonical chain says was deposited: receipts of the transactions we sent.
        var expected: [String: [UInt128]] = [:]  // tx → amounts (sorted)
        var expectedCents = [Int64](repeating: 0, count: accounts.count)
        var subCent: [String: Int] = [:]  // tx → transfers worth less than a cent
        for item in sent {
            let receipt = try await rig.devnet.call("eth_getTransactionReceipt", "[\"\(item.tx)\"]")
            guard receipt != .null, receipt["status"]?.stringValue == "0x1", !item.amounts.isEmpty else { continue }
            // A transfer worth less than a cent is parked for an operator, never credited.
            let creditable = item.parts.filter { Self.cents($0.amount, asset: item.asset) > 0 }
            subCent[item.tx.lowercased()] = item.parts.count - creditable.count
            guard !creditable.isEmpty else { continue }
            expected[item.tx] = creditable.map(\.amount).sorted()
            for part in creditable { expectedCents[part.account] += Self.cents(part.amount, asset: item.asset) }
        }
        let deposits = try await rig.gw.gateway.database.transaction { db in
            try await DepositStore.list(status: nil, account: nil, limit: 10_000, db)
        }
        var credited: [String: [UInt128]] = [:]
        var standing = [Int64](repeating: 0, count: accounts.count)
        for deposit in deposits {
            let account = accounts.firstIndex(of: deposit.account.rawValue) ?? 0
            switch deposit.status {
            case .credited:
                credited[deposit.txHash.lowercased(), default: []].append(deposit.amount.units)
                let cents = Self.cents(deposit.amount.units, asset: deposit.asset.rawValue)
                if deposit.creditMinor != cents || deposit.ratePrice == nil {
                    problems.append("\(deposit.key): credited \(deposit.creditMinor ?? -1) cents at \(deposit.ratePrice ?? "no rate"); the rate gives \(cents)")
                }
                standing[account] += deposit.creditMinor ?? 0
            case .reorgedAfterCredit:
                if expected[deposit.txHash.lowercased()] != nil, !deposits.contains(where: { $0.txHash == deposit.txHash && $0.status == .credited }) {
                    problems.append("\(deposit.key): reorged_after_credit but its transaction is canonical")
                }
                // Visible as an alert; with compensation its net is 0.
                if !compensate { standing[account] += deposit.creditMinor ?? 0 }
            case .seen, .awaitingRate:
                problems.append("\(deposit.key): still \(deposit.status.rawValue) at the end")
            default:
                break
            }
        }
        for (tx, count) in subCent where count > 0 {
            let parked = deposits.filter { $0.txHash.lowercased() == tx && $0.status == .parked && ($0.reason ?? "").contains("less than one cent") }
            if parked.count != count { problems.append("tx \(tx): \(count) transfer(s) worth less than a cent, \(parked.count) parked") }
        }
        for (tx, amounts) in expected where credited[tx.lowercased()]?.sorted() != amounts {
            problems.append("tx \(tx): chain says \(amounts); credited \(credited[tx.lowercased()]?.sorted() ?? [])")
        }
        for (tx, amounts) in credited where expected[tx] == nil && expected.keys.first(where: { $0.lowercased() == tx }) == nil {
            problems.append("tx \(tx): credited \(amounts) but not canonical")
        }
        // The wallet holds what the records say, once every credit is delivered.
        let accountsCopy = accounts
        let wanted = standing
        let delivered = try await TestGateway.eventually(timeout: .seconds(30)) {
            var ok = true
            for (index, account) in accountsCopy.enumerated() where try await rig.gw.balance(account) != wanted[index] { ok = false }
            return ok
        }
        if !delivered {
            var balances: [Int64] = []
            for account in accounts { balances.append(try await rig.gw.balance(account) ?? -1) }
            problems.append("wallet balances \(balances); the records say \(standing)")
        }
        if !compensate, expectedCents != standing {
            // Without compensation a deep reorg's credit stands: more than the chain says, visibly.
            let reorged = deposits.filter { $0.status == .reorgedAfterCredit }.count
            if reorged == 0 { problems.append("credited \(standing) cents; the chain says \(expectedCents)") }
        } else if compensate, expectedCents != standing {
            problems.append("with compensation the wallet must follow the chain: \(standing) cents; the chain says \(expectedCents)")
        }
        let name = try OperatorName("fuzz")
        let chain = try await ChainReconciler(watcher: watcher, database: rig.gw.gateway.database).run(from: 1, to: head, fix: false, operator: name, now: 1)
        let unexplained = chain.discrepancies.filter { !($0.kind == "not_canonical" && $0.detail.contains("reorged_after_credit")) }
        if !unexplained.isEmpty { problems.append("reconcile chain: \(unexplained.map { "\($0.kind) \($0.subject): \($0.detail)" })") }
        let wallet = try await WalletReconciler(gateway: rig.gw.gateway.database, wallet: rig.gw.gateway.database).run(fix: false, operator: name, now: 2)
        if !wallet.agrees { problems.append("reconcile wallet: \(wallet.discrepancies.map { "\($0.kind) \($0.subject)" })") }
        if !(try await rig.gw.gateway.wallet.balanceMismatches().isEmpty) { problems.append("wallet verify: balances disagree with ledgers") }
        if !problems.isEmpty { problems += log.suffix(10) }
        return problems
    }

    /// Cents at the local cex.io's prices (ETH 3012.45, USDT 1.0001), rounded down: computed
    /// here from the amounts, not by the gateway's conversion.
    static func cents(_ units: UInt128, asset: String) -> Int64 {
        asset == "ETH" ? Int64(units * 301_245 / 1_000_000_000_000_000_000) : Int64(units * 10_001 / 100_000_000)
    }
}
