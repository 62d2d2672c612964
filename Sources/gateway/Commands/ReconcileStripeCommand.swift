import ArgumentParser
import Foundation
import GatewayApp

extension ReconcileCommand {
    struct Stripe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Page through Stripe's events (or object lists past 30 days) and compare them with our records.",
            discussion: "Needs STRIPE_API_KEY (a restricted read key is enough) and STRIPE_API_BASE."
        )
        @Option(help: "Start: YYYY-MM-DD (UTC), an RFC 3339 time, or Unix seconds.") var since: String
        @Option(help: "End, inclusive (a bare date means the end of that day); default now.") var until: String?
        @Flag(help: "Feed missing events through the webhook logic and record amount corrections.") var fix = false
        @OptionGroup var actor: OperatorOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let name = try actor.resolve()
            let from = try DateArgument.parse(since, option: "--since", endOfDay: false)
            let to = try until.map { try DateArgument.parse($0, option: "--until", endOfDay: true) }
            try await CommandSupport.withGateway { gateway in
                guard let key = gateway.config.stripe.apiKey else {
                    CommandSupport.printError("gateway: STRIPE_API_KEY is not set; reconcile stripe reads Stripe's API with it")
                    throw Exit.configuration
                }
                let now = gateway.clock.nowMillis()
                let end = to ?? now / 1000
                guard from <= end else {
                    CommandSupport.printError("gateway: --since is after --until")
                    throw Exit.configuration
                }
                let http = StripeAPIClient.makeHTTPClient()
                let reconciler = StripeReconciler(
                    api: StripeAPIClient(baseURL: gateway.config.stripe.apiBase, key: key, httpClient: http), database: gateway.database,
                    ingest: gateway.stripeIngest, livemode: gateway.config.stripe.livemode
                )
                let bar = output.json ? nil : TerminalProgress.make("stripe")
                let report: ReconcileReport
                do {
                    report = try await reconciler.run(since: from, until: end, fix: fix, operator: name, now: now, progress: bar?.callback)
                } catch {
                    try? await http.shutdown()
                    throw error
                }
                try? await http.shutdown()
                bar?.finish()
                try ReconcileCommand.finish(report, json: output.json)
            }
        }
    }
}

/// Dates on the command line: a UTC day, an RFC 3339 time, or Unix seconds.
enum DateArgument {
    static func parse(_ text: String, option: String, endOfDay: Bool) throws -> Int64 {
        if let seconds = Int64(text), seconds >= 0 { return seconds }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        if text.count == 10, let date = day.date(from: text) {
            return Int64(date.timeIntervalSince1970) + (endOfDay ? 86_399 : 0)
        }
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return Int64(date.timeIntervalSince1970) }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: text) { return Int64(date.timeIntervalSince1970) }
        CommandSupport.printError("gateway: \(option) '\(text)' is not YYYY-MM-DD, an RFC 3339 time or Unix seconds")
        throw Exit.configuration
    }
}
