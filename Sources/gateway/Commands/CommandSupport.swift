import ArgumentParser
import Foundation
import GatewayApp
import Logging
import Store

/// Exit codes every command shares.
enum Exit {
    /// A discrepancy found, or an operation refused.
    static let failure = ExitCode(1)
    /// Bad usage or invalid configuration.
    static let configuration = ExitCode(2)
    /// A service the command needs (the store, the wallet) is unreachable.
    static let unreachable = ExitCode(3)
}

struct OperatorOptions: ParsableArguments {
    @Option(name: .customLong("operator"), help: "Who is acting, for the audit log (default: GATEWAY_OPERATOR, then USER).")
    var name: String?

    func resolve() throws -> OperatorName {
        do { return try OperatorName.resolve(name) } catch {
            CommandSupport.printError("gateway: --operator \(error.problem)")
            throw Exit.configuration
        }
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}

enum CommandSupport {
    /// Loads configuration (exit 2 on error) and bootstraps logging once.
    static func loadConfig() throws -> (GatewayConfig, ConfigSource) {
        do {
            let loaded = try GatewayConfig.load()
            bootstrapLogging(loaded.0)
            return loaded
        } catch {
            printError(error.description)
            throw Exit.configuration
        }
    }

    nonisolated(unsafe) private static var bootstrapped = false

    static func bootstrapLogging(_ config: GatewayConfig) {
        guard !bootstrapped else { return }
        bootstrapped = true
        let level = config.logLevel
        let json = config.logFormat == .json
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, json: json) }
    }

    /// Opens the gateway for the duration of `body` and always closes it.
    static func withGateway<T>(needsTokens: Bool = false, checkXpub: Bool = true, _ body: (Gateway) async throws -> T) async throws -> T {
        let (config, _) = try loadConfig()
        let logger = Logger(label: "gateway")
        let gateway: Gateway
        do {
            gateway = try await Gateway.open(config: config, logger: logger, needsTokens: needsTokens, checkXpub: checkXpub)
        } catch let error as ConfigError {
            printError(error.description)
            throw Exit.configuration
        } catch let error as StoreError {
            printError("gateway: \(error.description)")
            if case .schemaTooNew = error { throw Exit.failure }
            throw Exit.unreachable
        }
        do {
            let result = try await body(gateway)
            await gateway.close()
            return result
        } catch {
            await gateway.close()
            if let error = error as? StoreError {
                printError("gateway: \(error.description)")
                throw Exit.unreachable
            }
            if let error = error as? ConfigError {
                printError(error.description)
                throw Exit.configuration
            }
            if let error = error as? OperatorError {
                printError("gateway: \(error.message)")
                switch error.kind {
                case .refused: throw Exit.failure
                case .usage: throw Exit.configuration
                case .unreachable: throw Exit.unreachable
                }
            }
            if let error = error as? APIError {
                // Operator commands share the API's logic; its refusals read the same here.
                printError("gateway: \(error.message)")
                throw error.status.code >= 500 ? Exit.configuration : Exit.failure
            }
            throw error
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
