import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Store
import Stripe
import Testing

/// Card payments in any delivery order: random payment stories (parks, refunds that fail,
/// disputes, inquiries), their events delivered in random orders with duplicates through the
/// real ingest (a sample over HTTP with real signatures), parked payments released by an
/// operator at random moments. Each history is checked against the story's own net (an oracle
/// that shares nothing with the gateway's code) and against `gateway_model.py`.
///
/// One seed decides everything. `CARD_FUZZ_SEED` replays a run; `CARD_FUZZ_HISTORIES` (per
/// backend) and `CARD_FUZZ_SECONDS` make it longer (`scripts/soak.sh cards`).
@Suite("Card payments in any order, randomized")
struct CardPaymentOrderTests {
    /// Dollars and euros: each history's first account holds dollars, its second euros.
    static let environment = ["STRIPE_WEBHOOK_SECRET": StripeFixtures.secret, "WALLET_CURRENCIES": "USD,EUR"]
    static let walletCurrencies: Set<Currency> = [.usd, .eur]
    /// CI's budget: about two minutes per backend on this project's 2-core machine.
    static let defaultHistories = 1_000
    /// One history in this many goes over HTTP with real signatures.
    static let httpEvery = 10

    struct Settings {
        var seed: UInt64
        var histories: Int
        var seconds: Double?

        static func fromEnvironment() -> Settings {
            let env = ProcessInfo.processInfo.environment
            return Settings(
                seed: env["CARD_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max)),
                histories: env["CARD_FUZZ_HISTORIES"].flatMap(Int.init) ?? defaultHistories,
                seconds: env["CARD_FUZZ_SECONDS"].flatMap(Double.init)
            )
        }
    }

    @Test("every history credits the story's net, exactly once", arguments: TestBackend.available)
    func anyOrder(backend: TestBackend) async throws {
        let settings = Settings.fromEnvironment()
        let gw = try await TestGateway.start(backend: backend, environment: Self.environment)
        defer { Task { await gw.stop() } }
        // Each backend explores its own histories from the one seed.
        let seed = settings.seed &+ (backend == .postgres ? 0x5EED : 0)
        print("card-order: backend=\(backend.rawValue) seed=\(settings.seed) (CARD_FUZZ_SEED=\(settings.seed) replays it)")
        var rng = SeededGenerator(seed: seed)
        let started = ContinuousClock.now
        let deadline = settings.seconds.map { started + .seconds($0) }
        var histories: [CardHistory] = []
        var delivered = 0
        var expectedBalances: [String: Int64] = [:]
        var index = 0
        while index < settings.histories || (deadline.map { ContinuousClock.now < $0 } ?? false) {
            let history = CardHistory.random(index: index, runTag: "r\(backend == .postgres ? "p" : "s")", httpEvery: Self.httpEvery, using: &rng)
            index += 1
            let problems = try await Self.run(history, on: gw)
            delivered += history.steps.count
            if !problems.isEmpty {
                let shrunk = try await Self.shrink(history, on: gw)
                Issue.record(Comment(rawValue: Self.report(seed: settings.seed, backend: backend, history: history, problems: problems, shrunk: shrunk)))
                return
            }
            histories.append(history)
            for (account, cents) in Self.expectedBalances(history) { expectedBalances[account] = cents }
        }
        let elapsed = ContinuousClock.now - started
        // The model reads every history at once: one process, not one per history.
        if let python = Devnet.python {
            let results = try PaymentModel.run(histories.map { $0.modelJSON() }, python: python)
            for (history, model) in zip(histories, results) {
                let ours = try await Self.observed(history, on: gw)
                if ours != model {
                    let shrunk = try await Self.shrink(history, on: gw)
                    Issue.record(Comment(rawValue: Self.report(
                        seed: settings.seed, backend: backend, history: history,
                        problems: ["gateway and gateway_model.py disagree:\n  gateway: \(ours)\n  model:   \(model)"], shrunk: shrunk
                    )))
                    return
                }
            }
        }
        // Everything reaches the wallet, each key once.
        #expect(try await TestGateway.eventually(timeout: .seconds(120)) {
            let stats = try await gw.gateway.outbox.stats(now: gw.gateway.clock.nowMillis())
            return (stats.counts[.pending] ?? 0) + (stats.counts[.retrying] ?? 0) == 0
        })
        #expect(try await gw.gateway.outbox.list(status: .parked, limit: 10).isEmpty)
        for (account, cents) in expectedBalances {
            #expect(try await gw.balance(account) == cents, "wallet balance of \(account)")
        }
        #expect(try await gw.gateway.wallet.balanceMismatches().isEmpty)
        print(String(
            format: "figure: card-order backend=%@ histories=%d steps=%d seconds=%.1f (model checked: %@)",
            backend.rawValue, histories.count, delivered, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            Devnet.python == nil ? "no" : "yes"
        ))
    }

    // MARK: - One history

    /// Delivers a history and returns what disagrees with its stories (empty: all good).
    static func run(_ history: CardHistory, on gw: TestGateway) async throws -> [String] {
        for account in history.accounts {
            _ = try await gw.gateway.wallet.createAccount(try AccountID(account), currency: try Currency(history.currencies[account] ?? "usd"), now: 0)
        }
        let events = history.events
        let livemode = gw.gateway.config.stripe.livemode
        var problems: [String] = []
        var released: Set<Int> = []
        for step in history.steps {
            switch step {
            case .event(let s, let e):
                let body = events[s][e]
                if history.overHTTP {
                    let response = try await StripeFixtures.post(body, to: gw)
                    if response.status != 200 { problems.append("\(step) answered \(response.status): \(response.text)") }
                } else {
                    _ = try await gw.gateway.stripeIngest.ingest(try StripeEvent.decode(Array(body.utf8)), rawBody: Array(body.utf8))
                }
            case .release(let s):
                let story = history.stories[s]
                let release = try PaymentRelease(
                    paymentIntent: story.paymentIntent, account: history.releaseTarget(story), operatorName: try OperatorName("fuzz"), reason: "test"
                )
                let expected = story.expected(existing: history.currencies)
                do {
                    let outcome = try await release.record(in: gw.gateway.database, livemode: livemode, walletCurrencies: Self.walletCurrencies, now: gw.gateway.clock.nowMillis())
                    switch (outcome, released.contains(s)) {
                    case (.released, false): released.insert(s)
                    case (.alreadyReleased, true): break
                    default: problems.append("\(step): \(outcome) (released before: \(released.contains(s)))")
                    }
                    if case .parked(_, nil) = expected { problems.append("\(step) was released; expected a refusal") }
                } catch let error as OperatorError {
                    if case .parked(_, nil) = expected {} else { problems.append("\(step) refused: \(error.message)") }
                }
            }
        }
        // Each story against its own oracle.
        let existing = history.currencies
        for (s, story) in history.stories.enumerated() {
            let row = try await gw.gateway.database.transaction { db in try await StripeStore.payment(story.paymentIntent, db) }
            let state = try row.map { try JSONDecoder().decode(CardPayment.self, from: Data($0.stateJSON.utf8)) }
            switch story.expected(existing: existing) {
            case .credited(let account, let net):
                if row?.account != account || state?.base != .credited || state?.ledgerTotal != net {
                    problems.append("s\(s): expected credited \(net) to \(account); got \(row?.status ?? "no row") \(row?.account ?? "-") ledger \(state?.ledgerTotal ?? 0)")
                }
            case .parked(let reason, let releasable):
                if released.contains(s), let releasable {
                    if state?.base != .credited || state?.ledgerTotal != releasable || row?.account != history.releaseTarget(story) {
                        problems.append("s\(s): expected released \(releasable) to \(history.releaseTarget(story)); got \(row?.status ?? "no row") ledger \(state?.ledgerTotal ?? 0)")
                    }
                } else if row?.parkedReason != reason || state?.ledgerTotal != 0 {
                    problems.append("s\(s): expected parked \(reason); got \(row?.status ?? "no row") \(row?.parkedReason ?? "-") ledger \(state?.ledgerTotal ?? 0)")
                } else if let payment = state, (try? payment.releasable(walletCurrencies: Self.walletCurrencies).get()) != releasable {
                    problems.append("s\(s): would release \(String(describing: try? payment.releasable(walletCurrencies: Self.walletCurrencies).get())); expected \(String(describing: releasable))")
                }
            case .noMoney(let status):
                if row?.status != status || state?.ledgerTotal != 0 {
                    problems.append("s\(s): expected \(status), no money; got \(row?.status ?? "no row") ledger \(state?.ledgerTotal ?? 0)")
                }
            }
        }
        // The outbox holds exactly the expected money per account.
        let outbox = try await outboxBalances(history.accounts, on: gw)
        let expected = expectedBalances(history, released: released)
        if outbox != expected { problems.append("outbox per account \(outbox); expected \(expected)") }
        return problems
    }

    /// What each account should receive: the nets of the stories credited or released to it.
    static func expectedBalances(_ history: CardHistory, released: Set<Int>? = nil) -> [String: Int64] {
        var balances = Dictionary(uniqueKeysWithValues: history.accounts.map { ($0, Int64(0)) })
        for (s, story) in history.stories.enumerated() {
            switch story.expected(existing: history.currencies) {
            case .credited(let account, let net): balances[account, default: 0] += net
            case .parked(_, let releasable?):
                let wasReleased = released?.contains(s) ?? history.steps.contains(.release(story: s))
                if wasReleased { balances[history.releaseTarget(story), default: 0] += releasable }
            default: break
            }
        }
        return balances
    }

    static func outboxBalances(_ accounts: [String], on gw: TestGateway) async throws -> [String: Int64] {
        try await gw.gateway.database.transaction { db in
            var sums = Dictionary(uniqueKeysWithValues: accounts.map { ($0, Int64(0)) })
            for account in accounts {
                for row in try await db.query("SELECT direction, amount_cents FROM outbox WHERE account_id = $1", [.text(account)]) {
                    let cents = try row.int("amount_cents")
                    sums[account, default: 0] += try row.text("direction") == "debit" ? -cents : cents
                }
            }
            return sums
        }
    }

    /// The gateway's result in the model's terms.
    static func observed(_ history: CardHistory, on gw: TestGateway) async throws -> PaymentModel.Result {
        let entries = try await gw.gateway.database.transaction { db in
            var entries: [String] = []
            for account in history.accounts {
                for row in try await db.query("SELECT idempotency_key, direction, amount_cents FROM outbox WHERE account_id = $1", [.text(account)]) {
                    let cents = try row.int("amount_cents")
                    entries.append("\(account) \(try row.text("idempotency_key")) \(try row.text("direction") == "debit" ? -cents : cents)")
                }
            }
            return entries.sorted()
        }
        var result = PaymentModel.Result(
            balances: try await outboxBalances(history.accounts, on: gw), payments: [:], parkedReasons: [:], entries: entries
        )
        for story in history.stories {
            guard let row = try await gw.gateway.database.transaction({ db in try await StripeStore.payment(story.paymentIntent, db) }),
                  row.status != "awaiting_payment", row.status != "new" else { continue }
            result.payments[story.paymentIntent] = row.status
            if let reason = row.parkedReason { result.parkedReasons[story.paymentIntent] = reason }
        }
        return result
    }

    // MARK: - Shrinking

    /// The shortest step list (dropping one step at a time) on which the gateway still
    /// disagrees with the model, each attempt under fresh ids. Nil without the model.
    static func shrink(_ history: CardHistory, on gw: TestGateway) async throws -> CardHistory? {
        guard let python = Devnet.python else { return nil }
        var attempt = 0
        func fails(_ steps: [CardHistory.Step]) async throws -> Bool {
            attempt += 1
            let candidate = history.renamed("\(history.namespace)k\(attempt)", steps: steps)
            _ = try await run(candidate, on: gw)
            let model = try PaymentModel.run([candidate.modelJSON()], python: python)[0]
            return try await observed(candidate, on: gw) != model
        }
        var steps = history.steps
        guard try await fails(steps) else { return nil }
        var shrinking = true
        // Bounded: a history has a few dozen steps; each pass drops at least one or stops.
        while shrinking, attempt < 500 {
            shrinking = false
            for i in steps.indices {
                var fewer = steps
                fewer.remove(at: i)
                if try await fails(fewer) {
                    steps = fewer
                    shrinking = true
                    break
                }
            }
        }
        return history.renamed("\(history.namespace)min", steps: steps)
    }

    static func report(seed: UInt64, backend: TestBackend, history: CardHistory, problems: [String], shrunk: CardHistory?) -> String {
        var lines = [
            "card-order FAILED: seed=\(seed) backend=\(backend.rawValue) history=\(history.index) (CARD_FUZZ_SEED=\(seed) replays it)",
            "stories:",
        ]
        lines += history.stories.enumerated().map { "  s\($0): \($1)" }
        lines.append("problems:")
        lines += problems.map { "  \($0)" }
        lines.append("steps: \(history.steps.map(\.description).joined(separator: " "))")
        if let shrunk {
            lines.append("minimal failing order (\(shrunk.steps.count) of \(history.steps.count) steps): \(shrunk.steps.map(\.description).joined(separator: " "))")
            let events = shrunk.events
            for step in shrunk.steps {
                if case .event(let s, let e) = step { lines.append("  \(step): \(events[s][e])") } else { lines.append("  \(step)") }
            }
        } else {
            lines.append("(no shorter failing order found against the model)")
        }
        return lines.joined(separator: "\n")
    }
}
