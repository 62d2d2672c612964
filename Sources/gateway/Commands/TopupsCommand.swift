import ArgumentParser
import Foundation
import GatewayApp
import GatewayCore

struct TopupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topups",
        abstract: "Card top-ups: Stripe Checkout Sessions created by the gateway.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a Checkout Session for an account, in its currency, and print its URL.",
            discussion: """
                The same as POST /v1/accounts/{id}/card-topups. Give --key to make re-running harmless: the same \
                key and values print the same session without asking Stripe again.
                """
        )
        @Option(help: "The account to top up.") var account: String
        @Option(name: .customLong("amount-minor"), help: "Minor units of the account's currency (2500 = 25.00 USD).") var amountMinor: Int64
        @Option(name: .customLong("success-url"), help: "Where Stripe sends the customer after paying. Default: CARD_TOPUP_RETURN_URL?topup=success.")
        var successURL: String?
        @Option(name: .customLong("cancel-url"), help: "Where Stripe sends a customer who gives up. Default: CARD_TOPUP_RETURN_URL?topup=cancel.")
        var cancelURL: String?
        @Option(help: "Idempotency key (scoped to the account); generated when not given.") var key: String?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let id = try AccountsCommand.parseID(account)
            let callerKey: IdempotencyKey
            do { callerKey = try IdempotencyKey(key ?? "cli-\(UUID().uuidString.lowercased())") } catch {
                CommandSupport.printError("gateway: --key: \(error.message)")
                throw Exit.configuration
            }
            try await CommandSupport.withGateway { gateway in
                let base = gateway.config.stripe.topupReturnURL
                guard let success = successURL ?? base.map({ Self.returnURL($0, "success") }),
                      let cancel = cancelURL ?? base.map({ Self.returnURL($0, "cancel") }) else {
                    CommandSupport.printError("gateway: give --success-url and --cancel-url, or set CARD_TOPUP_RETURN_URL")
                    throw Exit.configuration
                }
                do {
                    let request = try CardTopups.Request(account: id, callerKey: callerKey, amountMinor: amountMinor, successURL: success, cancelURL: cancel)
                    let (topup, replayed) = switch try await gateway.cardTopups.create(request) {
                    case .created(let topup): (topup, false)
                    case .replayed(let topup): (topup, true)
                    }
                    if output.json { print(CardTopupViews.json(topup).canonicalText); return }
                    print(topup.url ?? "(Stripe returned no URL)")
                    print("\(replayed ? "existing" : "created") \(topup.sessionID): \(topup.amount) for \(topup.account); key \(callerKey)")
                } catch let error as CardTopupError {
                    CommandSupport.printError("gateway: \(error.message)")
                    switch error.code {
                    case .stripeUnavailable: throw Exit.unreachable
                    case .stripeNotConfigured, .stripeKeyRefused, .invalidAmount, .invalidURL: throw Exit.configuration
                    default: throw Exit.failure
                    }
                }
            }
        }

        static func returnURL(_ base: String, _ outcome: String) -> String {
            base + (base.contains("?") ? "&" : "?") + "topup=\(outcome)"
        }
    }
}
