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
                let (deposits, head) = try await gateway.deposits(status: status, account: account, limit: limit)
                let required = gateway.config.ethereum.confirmations
                if output.json { print(JSONValue.array(deposits.map { DepositViews.json($0, head: head, required: required) }).canonicalText) }
                else { print(DepositViews.table(deposits, head: head, required: required).render()) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One deposit by key (eth:CHAIN:TX:LOG_INDEX).")
        @Argument var key: String

        func run() async throws {
            try await CommandSupport.withGateway { gateway in
                guard let (deposit, head) = try await gateway.deposit(key: key) else {
                    CommandSupport.printError("gateway: no deposit \(key)")
                    throw Exit.failure
                }
                print(DepositViews.json(deposit, head: head, required: gateway.config.ethereum.confirmations).canonicalText)
            }
        }
    }
}
