import ArgumentParser

// The entry point only parses; each subcommand calls the builders in GatewayApp.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Payments and crypto-deposit gateway: Stripe and Ethereum top-ups into USD wallets.",
        discussion: "Configuration comes from config/defaults.env, GATEWAY_ENV_FILE and the environment; see config/README.md.",
        subcommands: [
            RunCommand.self, ServeCommand.self, MigrateCommand.self, ConfigCommand.self,
            AccountsCommand.self, CreditsCommand.self, WalletCommand.self, KeysCommand.self,
            PaymentsCommand.self, EventsCommand.self, WebhooksCommand.self, RatesCommand.self, AdjustCommand.self, AuditCommand.self, ReconcileCommand.self,
            WatchCommand.self, DepositsCommand.self,
        ]
    )
}
