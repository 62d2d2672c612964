import ArgumentParser
import GatewayApp
import Store

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the store's schema up to date (also done at startup). Safe to repeat."
    )

    func run() async throws {
        try await CommandSupport.withGateway { gateway in
            let version = try await Migrator(database: gateway.database).currentVersion()
            print("\(gateway.database.displayName): schema at version \(version) (latest known: \(Migrations.latestVersion))")
        }
    }
}
