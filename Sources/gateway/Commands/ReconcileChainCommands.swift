import ArgumentParser
import Ethereum
import GatewayApp
import GatewayCore

extension ReconcileCommand {
    /// The watcher the chain commands share: refuses without the chain's endpoints or on the
    /// wrong chain.
    static func watcher(_ gateway: Gateway, chain: GatewayCore.Chain = .ethereum) async throws -> ChainWatcher {
        let variable = chain == .ethereum ? "ETH_RPC_URL" : "TRON_RPC_URL"
        guard !(chain == .ethereum ? gateway.config.ethereum.rpcURLs : gateway.config.tron.rpcURLs).isEmpty else {
            CommandSupport.printError("gateway: \(variable) is not set; chain reconciliation reads the node")
            throw Exit.configuration
        }
        let watcher = gateway.makeChainWatcher(chain: chain)
        do { try await watcher.checkChain() } catch let error as RPCError {
            CommandSupport.printError("gateway: \(chain.rawValue) node unreachable: \(error)")
            throw Exit.unreachable
        }
        return watcher
    }

    struct Chain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rescan blocks with the watcher's detection and compare with our deposit records."
        )
        @Option(help: "ethereum or tron.") var chain: GatewayCore.Chain = .ethereum
        @Option(help: "First block.") var from: UInt64
        @Option(help: "Last block (at most the node's head).") var to: UInt64
        @Flag(help: "Record missing deposits (credited once confirmed) and orphan records not on the chain.") var fix = false
        @Option(help: "With --fix while a watcher is active: seconds to wait for it to carry the rescan out (1–3600).")
        var waitSeconds: Int64 = 300
        @OptionGroup var actor: OperatorOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard from <= to else { throw ValidationError("--from must not be above --to") }
            guard (1...3_600).contains(waitSeconds) else { throw ValidationError("--wait-seconds must be 1–3600") }
        }

        func run() async throws {
            let name = try actor.resolve()
            try await CommandSupport.withGateway { gateway in
                let watcher = try await ReconcileCommand.watcher(gateway, chain: chain)
                let report: ReconcileReport
                if fix {
                    // Chain state is written only under the watcher's lease: taken for this run,
                    // or, while a watcher holds it, by that watcher at our request.
                    report = try await ChainRescan(
                        watcher: watcher, database: gateway.database, clock: gateway.clock,
                        leaseMillis: gateway.config.ethereum.leaseSeconds * 1000
                    ).fix(from: from, to: to, operator: name, timeout: .seconds(waitSeconds))
                } else {
                    let bar = output.json ? nil : TerminalProgress.make("blocks")
                    report = try await ChainReconciler(watcher: watcher, database: gateway.database)
                        .run(from: from, to: to, fix: false, operator: name, now: gateway.clock.nowMillis(), progress: bar?.callback)
                    bar?.finish()
                }
                try ReconcileCommand.finish(report, json: output.json)
            }
        }
    }

    struct Balances: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare deposit addresses' on-chain ETH and USDT balances with what our records explain.",
            discussion: "Checks every address with activity plus a random sample of idle ones. A surplus is a deposit we missed."
        )
        @Option(help: "Block to compare at (default: the newest confirmed block the watcher has scanned).") var at: UInt64?
        @Option(help: "ethereum or tron (Tron: at the head, its nodes answer balances nowhere else).") var chain: GatewayCore.Chain = .ethereum
        @Option(help: "Only this account's address.") var account: String?
        @Option(name: .customLong("idle-sample"), help: "Idle addresses to sample (0–100000).") var idleSample = BalanceReconciler.defaultIdleSample
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard (0...100_000).contains(idleSample) else { throw ValidationError("--idle-sample must be 0–100000") }
        }

        func run() async throws {
            var accountID: AccountID?
            if let account {
                do { accountID = try AccountID(account) } catch {
                    CommandSupport.printError("gateway: --account: \(error.message)")
                    throw Exit.configuration
                }
            }
            try await CommandSupport.withGateway { gateway in
                let watcher = try await ReconcileCommand.watcher(gateway, chain: chain)
                let bar = output.json ? nil : TerminalProgress.make("addresses")
                let report = try await BalanceReconciler(watcher: watcher, database: gateway.database)
                    .run(at: at, account: accountID, idleSample: idleSample, now: gateway.clock.nowMillis(), progress: bar?.callback)
                bar?.finish()
                try ReconcileCommand.finish(report, json: output.json)
            }
        }
    }
}
