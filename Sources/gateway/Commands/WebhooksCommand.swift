import ArgumentParser
import AsyncHTTPClient
import Foundation
import GatewayApp
import NIOCore
import Stripe

struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "The Stripe webhook contract: replay fixtures against a running gateway.",
        subcommands: [Replay.self]
    )

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign each file (timestamp now) and POST it, the way `stripe trigger` would.",
            discussion: "Example: gateway webhooks replay webhooks/fixtures/happy.checkout.session.completed.json"
        )
        @Argument(help: "Event JSON files, posted in order, byte for byte.") var files: [String]
        @Option(help: "Webhook URL (default: http://GATEWAY_PUBLIC_LISTEN/webhooks/stripe).") var url: String?
        @Option(help: "Signing secret (default: the first of STRIPE_WEBHOOK_SECRET).") var secret: String?

        /// Largest fixture sent; far above any real event, below the endpoint's default limit.
        static let maxFileBytes = 1 << 20

        func run() async throws {
            let (config, _) = try CommandSupport.loadConfig()
            guard let secret = secret ?? config.stripe.webhookSecrets.first?.value else {
                CommandSupport.printError("gateway: give --secret or set STRIPE_WEBHOOK_SECRET")
                throw Exit.configuration
            }
            let target = url ?? "http://\(config.publicListen)/webhooks/stripe"
            var failures = 0
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    CommandSupport.printError("gateway: cannot read \(file)")
                    throw Exit.configuration
                }
                guard data.count <= Self.maxFileBytes else {
                    CommandSupport.printError("gateway: \(file) is larger than \(Self.maxFileBytes) bytes")
                    throw Exit.configuration
                }
                let body = Array(data)
                var request = HTTPClientRequest(url: target)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Stripe-Signature", value: WebhookSignature.header(
                    secret: secret, timestamp: Int64(Date().timeIntervalSince1970), body: body
                ))
                request.body = .bytes(ByteBuffer(bytes: body))
                do {
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                    let answer = try await response.body.collect(upTo: 64 * 1024)
                    print("\(response.status.code) \(file) \(String(buffer: answer))")
                    if !(200..<300).contains(response.status.code) { failures += 1 }
                } catch {
                    CommandSupport.printError("gateway: \(target) unreachable: \(error)")
                    throw Exit.unreachable
                }
            }
            if failures > 0 { throw Exit.failure }
        }
    }
}
