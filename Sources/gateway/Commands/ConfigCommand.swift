import ArgumentParser
import GatewayApp

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect configuration.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration with secrets redacted; exit 2 on any error."
        )

        func run() async throws {
            let (_, source) = try CommandSupport.loadConfig()
            for line in GatewayConfig.describe(source) { print(line) }
            print("configuration OK")
        }
    }
}
