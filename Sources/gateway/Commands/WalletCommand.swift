import ArgumentParser
import GatewayApp

struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet",
        abstract: "Wallet integrity checks.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every balance from the ledger; exit 1 listing accounts that disagree."
        )
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await CommandSupport.withGateway { gateway in
                let mismatches = try await gateway.wallet.balanceMismatches()
                let accounts = try await gateway.wallet.accountCount()
                if output.json {
                    print(JSONValue.object([
                        "accounts": .int(Int64(accounts)),
                        "mismatches": .array(mismatches.map { .object([
                            "account_id": .string($0.account.rawValue),
                            "currency": .string($0.stored.currency.code),
                            "stored_minor": .int($0.stored.minor),
                            "computed_minor": .int($0.computed.minor),
                        ]) }),
                    ]).canonicalText)
                } else if mismatches.isEmpty {
                    print("ok: \(accounts) account(s); every balance equals the sum of its ledger entries")
                } else {
                    var table = TextTable("ACCOUNT", "STORED", "LEDGER SUM", "DIFFERENCE")
                    for mismatch in mismatches {
                        table.add(mismatch.account.rawValue, "\(mismatch.stored)", "\(mismatch.computed)",
                                  "\(mismatch.stored.minor - mismatch.computed.minor)")
                    }
                    print(table.render())
                    print("\(mismatches.count) account(s) disagree with their ledger: investigate before any adjustment")
                }
                if !mismatches.isEmpty { throw Exit.failure }
            }
        }
    }
}
