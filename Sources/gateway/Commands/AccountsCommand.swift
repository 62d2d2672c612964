import ArgumentParser
import GatewayApp
import GatewayCore

struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Wallet accounts: create, show, history.",
        subcommands: [Create.self, Show.self, History.self, Address.self]
    )

    static func parseID(_ raw: String) throws -> AccountID {
        do { return try AccountID(raw) } catch {
            CommandSupport.printError("gateway: \(error.message)")
            throw Exit.configuration
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account in a currency of WALLET_CURRENCIES (USD by default). Repeating is harmless; the currency never changes."
        )
        @Argument(help: "Account id: 1–64 of A-Z a-z 0-9 _ -") var id: String
        @Option(help: "ISO 4217 code, one of WALLET_CURRENCIES.") var currency = "USD"
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let id = try AccountsCommand.parseID(id)
            let currency: Currency
            do { currency = try Currency(self.currency) } catch {
                CommandSupport.printError("gateway: --currency: \(error.message)")
                throw Exit.configuration
            }
            try await CommandSupport.withGateway { gateway in
                guard gateway.config.currencies.walletCurrencies.contains(currency) else {
                    let offered = gateway.config.currencies.walletCurrencies.sorted().map(\.code).joined(separator: ", ")
                    CommandSupport.printError("gateway: accounts may hold \(offered) (WALLET_CURRENCIES), not \(currency)")
                    throw Exit.configuration
                }
                let (account, created) = try await gateway.wallet.createAccount(id, currency: currency, now: gateway.clock.nowMillis())
                guard account.currency == currency else {
                    CommandSupport.printError("gateway: account \(id) exists and holds \(account.currency), not \(currency); nothing changed")
                    throw Exit.failure
                }
                if output.json { print(OperatorViews.accountJSON(account).canonicalText) }
                else { print(created ? "created account \(account.id)" : "account \(account.id) already exists") }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an account and its balance.")
        @Argument var id: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let id = try AccountsCommand.parseID(id)
            try await CommandSupport.withGateway { gateway in
                guard let account = try await gateway.wallet.account(id) else {
                    CommandSupport.printError("gateway: no account \(id)")
                    throw Exit.failure
                }
                if output.json { print(OperatorViews.accountJSON(account).canonicalText); return }
                var table = TextTable("ACCOUNT", "CURRENCY", "BALANCE", "CREATED")
                table.add(account.id.rawValue, account.currency.code, account.balance.formatted, Timestamp.rfc3339(millis: account.createdAtMillis))
                print(table.render())
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An account's ledger, newest first.")
        @Argument var id: String
        @Option(help: "Entries to show (1–1000).") var limit = 50
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let id = try AccountsCommand.parseID(id)
            guard (1...1000).contains(limit) else {
                CommandSupport.printError("gateway: --limit must be 1–1000")
                throw Exit.configuration
            }
            try await CommandSupport.withGateway { gateway in
                guard try await gateway.wallet.account(id) != nil else {
                    CommandSupport.printError("gateway: no account \(id)")
                    throw Exit.failure
                }
                let entries = try await gateway.wallet.history(id, limit: limit, startingAfter: nil)
                if output.json { print(JSONValue.array(entries.map(OperatorViews.entryJSON)).canonicalText) }
                else { print(OperatorViews.historyTable(entries).render()) }
            }
        }
    }

    struct Address: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the account's deposit address on a chain, assigning the next free index on first use."
        )
        @Argument var id: String
        @Option(help: "ethereum or tron.") var chain: Chain = .ethereum
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let id = try AccountsCommand.parseID(id)
            try await CommandSupport.withGateway { gateway in
                let (record, json) = try await gateway.depositAddress(for: id, chain: chain)
                if output.json { print(json.canonicalText); return }
                var table = TextTable("ACCOUNT", "ADDRESS", "INDEX", "CHAIN", "CHAIN ID", "ASSETS")
                let assets = json["assets"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? ""
                table.add(id.rawValue, json["address"]?.stringValue ?? record.address, "\(record.index)", chain.rawValue,
                          "\(json["chain_id"]?.intValue ?? 0)", assets)
                print(table.render())
            }
        }
    }
}
