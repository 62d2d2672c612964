import ArgumentParser
import GatewayApp
import GatewayCore

struct CreditsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credits",
        abstract: "The outbox of credits and debits on their way to the wallet.",
        subcommands: [List.self, Retry.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List outbox rows, oldest first.")
        @Option(help: "pending, retrying, parked or delivered") var status: String?
        @Option(help: "Rows to show (1–10000).") var limit = 200
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var filter: OutboxStatus?
            if let status {
                guard let parsed = OutboxStatus(rawValue: status) else {
                    CommandSupport.printError("gateway: --status must be one of pending, retrying, parked, delivered")
                    throw Exit.configuration
                }
                filter = parsed
            }
            guard (1...10_000).contains(limit) else {
                CommandSupport.printError("gateway: --limit must be 1–10000")
                throw Exit.configuration
            }
            try await CommandSupport.withGateway { gateway in
                let items = try await gateway.outbox.list(status: filter, limit: limit)
                if output.json { print(JSONValue.array(items.map(OperatorViews.outboxJSON)).canonicalText) }
                else { print(OperatorViews.outboxTable(items).render()) }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a parked or retrying row back in the queue, due now.",
            discussion: "Delivery stays exactly-once: the wallet applies each idempotency key once."
        )
        @Argument(help: "Outbox row id (see `gateway credits list`).") var id: Int64?
        @Flag(name: .customLong("all-parked"), help: "Retry every parked row.") var allParked = false
        @OptionGroup var actor: OperatorOptions

        func validate() throws {
            guard (id == nil) != (!allParked) else {
                throw ValidationError("give either a row id or --all-parked")
            }
        }

        func run() async throws {
            let name = try actor.resolve()
            try await CommandSupport.withGateway { gateway in
                let now = gateway.clock.nowMillis()
                if allParked {
                    let count = try await OperatorActions.retryAllParked(gateway.database, operator: name, now: now)
                    print("requeued \(count) parked row(s)")
                    return
                }
                guard let id else { return }
                guard let item = try await OperatorActions.retry(gateway.database, id: id, operator: name, now: now) else {
                    CommandSupport.printError("gateway: no outbox row \(id)")
                    throw Exit.failure
                }
                guard item.state.status != .delivered else {
                    CommandSupport.printError("gateway: row \(id) was already delivered (wallet entry \(item.state.walletEntryID ?? "?")); nothing to retry")
                    throw Exit.failure
                }
                print("requeued row \(id) (\(item.key))")
            }
        }
    }
}
