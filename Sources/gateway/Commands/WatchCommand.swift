import ArgumentParser
import GatewayApp
import GatewayCore

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run the chain watcher and the rate fetcher (one active per database; others stand by)."
    )

    func run() async throws {
        try await CommandSupport.withGateway { gateway in
            guard gateway.watches(.ethereum) || gateway.watches(.tron) else {
                CommandSupport.printError("configuration error: ETH_XPUB and ETH_RPC_URL (or TRON_XPUB and TRON_RPC_URL) must both be set to watch a chain")
                throw Exit.configuration
            }
            try await gateway.checkRatePairs()
            try await gateway.run(.watch)
        }
    }
}
