import ArgumentParser
import GatewayApp

struct AdjustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adjust",
        abstract: "Credit or debit an account by hand, through the outbox, with an audit entry.",
        discussion: """
            A positive --amount-minor credits, a negative one debits. Give --key to make re-running \
            the same command harmless (the key becomes adj:KEY).
            """
    )

    @Option(help: "The account to adjust.") var account: String
    @Option(name: [.customLong("amount-minor"), .customLong("amount-cents")], help: "Signed minor units of the account's currency (cents for USD and EUR): positive credits, negative debits. --amount-cents is the older name.") var amountCents: Int64
    @Option(help: "Why (shown in the wallet history and the audit log).") var reason: String
    @Option(name: .customLong("operator"), help: "Who is acting.") var operatorName: String
    @Option(help: "Idempotency key suffix; re-running with the same key records nothing new.") var key: String?
    @Flag(name: .customLong("allow-negative"), help: "Let a debit take the balance below zero.") var allowNegative = false
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let adjustment: Adjustment
        do {
            adjustment = try Adjustment(
                account: account, amountCents: amountCents, reason: reason, operatorName: try OperatorName(operatorName),
                allowNegative: allowNegative, key: key
            )
        } catch let error as OperatorError {
            CommandSupport.printError("gateway: \(error.message)")
            throw Exit.configuration
        } catch let error as ConfigError {
            CommandSupport.printError("gateway: --operator \(error.problem)")
            throw Exit.configuration
        }
        try await CommandSupport.withGateway { gateway in
            let outcome = try await adjustment.record(in: gateway.database, now: gateway.clock.nowMillis())
            let seq: Int64? = if case .recorded(let seq) = outcome { seq } else { nil }
            if output.json {
                print(JSONValue.object([
                    "idempotency_key": .string(adjustment.key.rawValue), "account_id": .string(adjustment.account.rawValue),
                    "amount_cents": .int(adjustment.amountCents), "audit_seq": seq.map(JSONValue.int) ?? .null,
                    "already_recorded": .bool(seq == nil),
                ]).canonicalText)
            } else if let seq {
                print("recorded \(adjustment.key) (\(adjustment.amountCents) cents to \(adjustment.account)); audit entry \(seq); the outbox delivers it")
            } else {
                print("\(adjustment.key) was already recorded with these values; nothing new")
            }
        }
    }
}
