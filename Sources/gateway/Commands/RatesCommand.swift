import ArgumentParser
import GatewayApp

struct RatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rates",
        abstract: "Exchange rates used to convert crypto deposits to USD.",
        subcommands: [Show.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each pair's price, field, fetched-at and age, and whether it is usable now."
        )
        @Flag(help: "Fetch from cex.io once before showing (what the rate service does each round).") var refresh = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await CommandSupport.withGateway { gateway in
                if refresh { try await gateway.makeRateService().refreshOnce() }
                let book = try await gateway.ratesRepository.load()
                let now = gateway.clock.nowMillis()
                if output.json { print(RateViews.json(book, pairs: gateway.ratePairs, now: now).canonicalText) }
                else { print(RateViews.table(book, pairs: gateway.ratePairs, now: now).render()) }
            }
        }
    }
}
