import Foundation
import GatewayApp
import GatewayCore

/// A few payments of two accounts, and one random order in which Stripe delivers their events
/// (with duplicates) and operators release what is parked for them.
public struct CardHistory: Sendable {
    public enum Step: Sendable, Equatable, CustomStringConvertible {
        /// Event `event` of story `story` (a repeated step is a re-delivery of the same event).
        case event(story: Int, event: Int)
        /// An operator releases the story's payment to the history's first account.
        case release(story: Int)

        public var description: String {
            switch self {
            case .event(let story, let event): "s\(story).e\(event)"
            case .release(let story): "release(s\(story))"
            }
        }
    }

    public let index: Int
    public let namespace: String
    public var stories: [CardStory]
    public var steps: [Step]
    /// Deliver this history over HTTP with real signatures instead of calling the ingest.
    public var overHTTP: Bool

    public var accounts: [String] { ["acct_\(namespace)a", "acct_\(namespace)b"] }
    /// The first account holds dollars, the second euros.
    public var currencies: [String: String] { [accounts[0]: "usd", accounts[1]: "eur"] }

    /// Who an operator releases a story's payment to: the account holding its currency (the
    /// first one when none does; that release is refused).
    public func releaseTarget(_ story: CardStory) -> String {
        accounts.first { currencies[$0] == story.currency } ?? accounts[0]
    }
    public var ghost: String { "acct_\(namespace)ghost" }

    /// The history's events, per story, as Stripe would send them.
    public var events: [[String]] { stories.map { $0.events() } }

    public static func random(index: Int, runTag: String, httpEvery: Int, using rng: inout SeededGenerator) -> CardHistory {
        let namespace = "\(runTag)h\(index)"
        var history = CardHistory(index: index, namespace: namespace, stories: [], steps: [], overHTTP: index % httpEvery == 0)
        let accounts = history.accounts
        history.stories = (0..<Int.random(in: 1...3, using: &rng)).map {
            CardStory.random(namespace: namespace, index: $0, accounts: accounts, ghost: history.ghost, using: &rng)
        }
        var steps: [Step] = []
        for (s, events) in history.events.enumerated() {
            for e in events.indices { steps.append(.event(story: s, event: e)) }
        }
        steps.shuffle(using: &rng)
        // Duplicates: Stripe delivers at least once, and retries for days.
        for step in steps where Int.random(in: 0..<5, using: &rng) == 0 {
            steps.insert(step, at: Int.random(in: 0...steps.count, using: &rng))
        }
        // Releases, for payments that end parked: after the story's announcements (so a paid
        // event is recorded), anywhere among its follow-ups.
        for (s, story) in history.stories.enumerated() {
            guard case .parked = story.expected(existing: history.currencies), Int.random(in: 0..<5, using: &rng) != 0 else { continue }
            let announcements = story.events().indices.filter { !story.events()[$0].contains(#""type":"charge."#) && !story.events()[$0].contains(#""type":"refund."#) }
            let lastAnnouncement = steps.lastIndex { step in
                if case .event(s, let e) = step { return announcements.contains(e) }
                return false
            } ?? 0
            steps.insert(.release(story: s), at: Int.random(in: (lastAnnouncement + 1)...steps.count, using: &rng))
            if Bool.random(using: &rng) { steps.append(.release(story: s)) }  // a second release is a no-op
        }
        history.steps = steps
        return history
    }

    /// The same stories and steps under another namespace (fresh ids), for shrinking.
    public func renamed(_ namespace: String, steps: [Step]) -> CardHistory {
        var copy = CardHistory(index: index, namespace: namespace, stories: [], steps: steps, overHTTP: overHTTP)
        copy.stories = stories.enumerated().map { offset, story in
            var renamed = story
            let old = self.namespace
            func swap(_ text: String) -> String { text.replacingOccurrences(of: old, with: namespace) }
            renamed.paymentIntent = swap(story.paymentIntent)
            renamed.session = swap(story.session)
            renamed.charge = swap(story.charge)
            renamed.refunds = story.refunds.map { var r = $0; r.id = swap(r.id); return r }
            renamed.disputes = story.disputes.map { var d = $0; d.id = swap(d.id); return d }
            renamed.owner = switch story.owner {
            case .named(let account, let sources): .named(swap(account), sources: sources)
            case .late(let account): .late(swap(account))
            case .missing: .missing
            case .unknown(let account): .unknown(swap(account))
            }
            _ = offset
            return renamed
        }
        return copy
    }

    /// The history as `webhooks/tools/model_histories.py` reads it.
    public func modelJSON() -> String {
        let events = self.events
        let steps = steps.map { step -> String in
            switch step {
            case .event(let s, let e): #"{"event":\#(events[s][e])}"#
            case .release(let s): #"{"release":{"pi":"\#(stories[s].paymentIntent)","account":"\#(releaseTarget(stories[s]))"}}"#
            }
        }
        let currencies = accounts.map { #""\#($0)":"\#(self.currencies[$0] ?? "usd")""# }.joined(separator: ",")
        return #"{"accounts":["\#(accounts.joined(separator: #"",""#))"],"account_currencies":{\#(currencies)},"wallet_currencies":["usd","eur"],"livemode":false,"steps":[\#(steps.joined(separator: ","))]}"#
    }
}

/// Runs `webhooks/tools/model_histories.py` on many histories at once.
public enum PaymentModel {
    public struct Result: Sendable, Equatable {
        public var balances: [String: Int64]
        public var payments: [String: String]
        public var parkedReasons: [String: String]
        /// Every wallet effect as "account key ±cents", sorted: the keys themselves must agree.
        public var entries: [String]

        public init(balances: [String: Int64], payments: [String: String], parkedReasons: [String: String], entries: [String]) {
            self.balances = balances
            self.payments = payments
            self.parkedReasons = parkedReasons
            self.entries = entries
        }
    }

    public static func run(_ histories: [String], python: String) throws -> [Result] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.json")
        let output = directory.appendingPathComponent("out.json")
        try Data(#"{"histories":[\#(histories.joined(separator: ","))]}"#.utf8).write(to: input)
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [StripeFixtures.root.appendingPathComponent("tools/model_histories.py").path]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        let text = try Data(contentsOf: output)
        guard process.terminationStatus == 0, let value = try? JSONValue.parse(Array(text)),
              case .array(let results)? = value["results"] else {
            throw TestSetupError("model_histories.py failed (\(process.terminationStatus)): \(String(decoding: text.prefix(500), as: UTF8.self))")
        }
        return results.map { result in
            func strings(_ name: String) -> [String: String] {
                guard case .object(let fields)? = result[name] else { return [:] }
                return fields.compactMapValues(\.stringValue)
            }
            var balances: [String: Int64] = [:]
            if case .object(let fields)? = result["balances"] { balances = fields.compactMapValues(\.intValue) }
            var entries: [String] = []
            if case .array(let list)? = result["entries"] {
                entries = list.map { "\($0["account"]?.stringValue ?? "") \($0["key"]?.stringValue ?? "") \($0["amount"]?.intValue ?? 0)" }
            }
            return Result(balances: balances, payments: strings("payments"), parkedReasons: strings("parked_reasons"), entries: entries.sorted())
        }
    }
}
