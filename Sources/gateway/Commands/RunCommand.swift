import ArgumentParser
import GatewayApp

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run everything that is configured in one process (the default for a single machine).",
        discussion: "Listeners, outbox worker, and with ETH_XPUB (+ ETH_RPC_URL) the rate fetcher and the chain watcher."
    )

    func run() async throws {
        try await CommandSupport.withGateway(needsTokens: true) { gateway in
            gateway.logDisabledFeatures()
            try await gateway.checkRatePairs()
            try await gateway.run(.all)
        }
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the public webhook listener, the internal API and the outbox worker."
    )

    func run() async throws {
        try await CommandSupport.withGateway(needsTokens: true) { gateway in
            gateway.logDisabledFeatures()
            try await gateway.run(.serve)
        }
    }
}
