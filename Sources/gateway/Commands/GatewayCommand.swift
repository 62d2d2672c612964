import ArgumentParser
import Foundation

// The entry point only parses; each subcommand calls the builders in GatewayApp.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Payments and crypto-deposit gateway: Stripe card top-ups and ETH/USDT deposits (Ethereum, Tron) into wallets in USD or EUR.",
        discussion: "Configuration comes from config/defaults.env, GATEWAY_ENV_FILE and the environment; see config/README.md.",
        subcommands: [
            RunCommand.self, ServeCommand.self, MigrateCommand.self, ConfigCommand.self,
            AccountsCommand.self, CreditsCommand.self, WalletCommand.self, KeysCommand.self,
            PaymentsCommand.self, EventsCommand.self, WebhooksCommand.self, RatesCommand.self, AdjustCommand.self, AuditCommand.self, ReconcileCommand.self,
            WatchCommand.self, DepositsCommand.self, TopupsCommand.self, StatusCommand.self,
        ]
    )

    /// Parses and runs, with one change to ArgumentParser's exits: a usage error (unknown
    /// option, missing argument, failed validation) exits 2, as every command documents,
    /// instead of EX_USAGE (64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(Exit.configuration.rawValue)
            }
            exit(withError: error)
        }
    }
}
