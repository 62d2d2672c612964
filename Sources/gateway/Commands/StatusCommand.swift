import ArgumentParser
import GatewayApp

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The overview: wallet totals per currency, the outbox backlog, each chain, each rate, the audit chain.",
        discussion: "The console's front page shows the same tables."
    )

    func run() async throws {
        try await CommandSupport.withGateway { gateway in
            let status = try await gateway.statusViews(now: gateway.clock.nowMillis())
            print("wallet:\n" + status.wallet.render())
            print("\noutbox:\n" + status.outbox.render())
            print("\nchains:\n" + status.chains.render())
            print("\nrates:\n" + status.rates.render())
            print("\naudit log: \(status.auditVerification)")
        }
    }
}
