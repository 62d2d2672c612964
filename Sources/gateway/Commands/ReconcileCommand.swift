import ArgumentParser
import Foundation
import GatewayApp
import Logging
import Store

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare our records with Stripe, the chain, on-chain balances and the wallet.",
        discussion: """
            Exit codes: 0 everything agrees, 1 discrepancies found (each listed with what to do), \
            2 usage or configuration error, 3 a needed service is unreachable. Nothing changes without --fix; \
            fixes go through the same idempotent paths as live traffic, so a second --fix changes nothing.
            """,
        subcommands: [Stripe.self, Chain.self, Balances.self, Wallet.self]
    )

    /// Prints the report and maps it to the exit code.
    static func finish(_ report: ReconcileReport, json: Bool) throws {
        print(json ? report.json.canonicalText : report.text)
        if !report.agrees { throw Exit.failure }
    }

    struct Wallet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match delivered credits and debits with the wallet's entries by idempotency key; recompute balances."
        )
        @Option(name: .customLong("wallet-database"), help: "The wallet's store when it runs elsewhere (postgres://… or sqlite:PATH); default: ours.")
        var walletDatabase: String?
        @Flag(help: "Send delivered rows the wallet lacks again, under the same key.") var fix = false
        @OptionGroup var actor: OperatorOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let name = try actor.resolve()
            var location: DatabaseLocation?
            if let walletDatabase {
                do { location = try DatabaseLocation(databaseURL: walletDatabase) } catch {
                    CommandSupport.printError("gateway: --wallet-database: \(error.description)")
                    throw Exit.configuration
                }
            }
            try await CommandSupport.withGateway { gateway in
                let wallet = try await location?.open(logger: gateway.logger) ?? gateway.database
                let bar = output.json ? nil : TerminalProgress.make("wallet entries")
                let report: ReconcileReport
                do {
                    report = try await WalletReconciler(gateway: gateway.database, wallet: wallet)
                        .run(fix: fix, operator: name, now: gateway.clock.nowMillis(), progress: bar?.callback)
                } catch {
                    if location != nil { await wallet.close() }
                    throw error
                }
                if location != nil { await wallet.close() }
                bar?.finish()
                try ReconcileCommand.finish(report, json: output.json)
            }
        }
    }
}
