import ArgumentParser
import GatewayApp
import GatewayCore

struct DepositsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deposits",
        abstract: "Crypto deposits: pending, credited, orphaned, failed, parked.",
        subcommands: [List.self, Show.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deposits, newest first.")
        @Option(help: "seen, awaiting_rate, credited, orphaned, failed, parked, reorged_after_credit") var status: String?
        @Option(help: "Only this account's deposits.") var account: String?
        @Option(help: "Rows to show (1–10000).") var limit = 200
        @OptionGroup var output: OutputOptions

        func run() async throws {
            if let status, DepositStatus(rawValue: status) == nil {
                CommandSupport.printError("gateway: --status must be one of \(DepositStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                throw Exit.configuration
            }
            guard (1...10_000).contains(limit) else {
                CommandSupport.printError("gateway: --limit must be 1–10000")
                throw Exit.configuration
            }
            try await CommandSupport.withGateway { gateway in
                let (deposits, chains) = try await gateway.deposits(status: status, account: account, limit: limit)
                if output.json { print(JSONValue.array(deposits.map { DepositViews.json($0, chains: chains) }).canonicalText) }
                else { print(DepositViews.table(deposits, chains: chains).render()) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One deposit by key (eth:CHAIN_ID:TX:-1, eth:CHAIN_ID:TX:usdt:N, tron:CHAIN_ID:TX:usdt:N).")
        @Argument var key: String

        func run() async throws {
            try await CommandSupport.withGateway { gateway in
                guard let (deposit, chains) = try await gateway.deposit(key: key) else {
                    CommandSupport.printError("gateway: no deposit \(key)")
                    throw Exit.failure
                }
                print(DepositViews.json(deposit, chains: chains).canonicalText)
            }
        }
    }
}
