import Foundation

/// A seeded, reproducible random number generator (SplitMix64): one seed decides a whole run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D4_9BB1_3311_EB49
        return z ^ (z >> 31)
    }
}

/// What happened to one card payment, as Stripe would tell it: how it was paid, whose it is,
/// its refunds and disputes with their final states. The expected money is computed from the
/// story alone (`expected`), never from the gateway's code, so it is an independent oracle.
public struct CardStory: Sendable, CustomStringConvertible {
    public enum Flow: String, Sendable, CaseIterable {
        /// Checkout, paid at once: session completed (paid) and payment_intent.succeeded.
        case card
        /// Checkout with a delayed method: completed (unpaid), async succeeded, PI succeeded.
        case asyncSuccess
        /// Completed (unpaid), then async failed: no money.
        case asyncFailure
        /// A PaymentIntent without Checkout.
        case intentOnly
        /// The session expired unpaid.
        case expired

        var isPaid: Bool { self == .card || self == .asyncSuccess || self == .intentOnly }
    }

    public enum Owner: Sendable, Equatable {
        /// Named in the sources listed (at least one).
        case named(String, sources: Set<Source>)
        /// The session names nobody; the PaymentIntent's metadata names the account.
        case late(String)
        /// Nobody is named: parks `missing_account`.
        case missing
        /// An account that does not exist: parks `unknown_account`.
        case unknown(String)
    }

    public enum Source: String, Sendable, CaseIterable { case intentMetadata, clientReference, sessionMetadata }

    public enum RefundPath: String, Sendable, CaseIterable {
        case succeeded, succeededInTwoSteps, succeededThenFailed, canceled, pending, failedFromPending
        var endsSucceeded: Bool { self == .succeeded || self == .succeededInTwoSteps }
    }

    public enum DisputePath: String, Sendable, CaseIterable {
        case inquiry, open, won, wonWithoutReinstatedEvent, lost, lostWithoutWithdrawnEvent
        /// Whether Stripe holds the funds at the end.
        var holdsFunds: Bool { self == .open || self == .lost || self == .lostWithoutWithdrawnEvent }
    }

    public struct Refund: Sendable {
        public var id: String
        public var amount: Int64
        public var path: RefundPath
    }

    public struct Dispute: Sendable {
        public var id: String
        public var amount: Int64
        public var path: DisputePath
    }

    public var paymentIntent: String
    public var session: String
    public var charge: String
    public var amount: Int64
    public var currency: String
    public var livemodeMismatch: Bool
    public var flow: Flow
    public var owner: Owner
    public var refunds: [Refund]
    public var disputes: [Dispute]
    /// Older API versions embed the charge's refunds in `charge.refunded`.
    public var embedsRefunds: Bool

    public var description: String {
        "\(paymentIntent) \(flow.rawValue) \(amount) \(currency)\(livemodeMismatch ? " LIVE" : "") owner=\(owner) "
            + "refunds=\(refunds.map { "\($0.amount):\($0.path.rawValue)" }) disputes=\(disputes.map { "\($0.amount):\($0.path.rawValue)" })"
            + (embedsRefunds ? " embedded-refunds" : "")
    }

    // MARK: - The oracle

    public enum Expected: Sendable, Equatable {
        /// Credited to the account, with this net.
        case credited(account: String, net: Int64)
        /// Parked: what a release would credit (nil: release refused).
        case parked(reason: String, releasable: Int64?)
        /// No money moved: failed, expired, or known only from follow-ups.
        case noMoney(status: String)
    }

    /// The payment's net: paid amount less succeeded refunds and funds disputes hold.
    public var net: Int64 {
        amount - refunds.filter { $0.path.endsSucceeded }.reduce(0) { $0 + $1.amount }
            - disputes.filter { $0.path.holdsFunds }.reduce(0) { $0 + $1.amount }
    }

    /// - Parameter existing: each existing account and the currency it holds (`usd`, `eur`);
    ///   wallets hold exactly those currencies.
    public func expected(existing: [String: String]) -> Expected {
        if livemodeMismatch { return .parked(reason: "livemode_mismatch", releasable: nil) }
        guard flow.isPaid else { return .noMoney(status: flow == .expired ? "expired" : "failed") }
        if !Set(existing.values).contains(currency) { return .parked(reason: "unsupported_currency", releasable: nil) }
        switch owner {
        case .named(let account, _), .late(let account):
            guard let held = existing[account] else { return .parked(reason: "unknown_account", releasable: net) }
            return held == currency ? .credited(account: account, net: net) : .parked(reason: "currency_mismatch", releasable: net)
        case .missing: return .parked(reason: "missing_account", releasable: net)
        case .unknown: return .parked(reason: "unknown_account", releasable: net)
        }
    }

    // MARK: - Generation

    /// A random story for payment number `index` of a history whose ids start with `namespace`.
    public static func random(
        namespace: String, index: Int, accounts: [String], ghost: String, using rng: inout SeededGenerator
    ) -> CardStory {
        let tag = "\(namespace)x\(index)"
        let amount = Int64.random(in: 100...200_000, using: &rng)
        let flow = Flow.allCases.randomElement(using: &rng)!
        let account = accounts.randomElement(using: &rng)!
        let owner: Owner = switch Int.random(in: 0..<10, using: &rng) {
        case 0: .missing
        case 1: .unknown(ghost)
        case 2, 3: .late(account)
        default:
            .named(account, sources: Set(Source.allCases.filter { _ in Bool.random(using: &rng) }).union(
                [flow == .intentOnly ? .intentMetadata : Source.allCases.randomElement(using: &rng)!]
            ))
        }
        var refunds: [Refund] = []
        var disputes: [Dispute] = []
        if flow.isPaid {
            var left = amount
            for n in 0..<Int.random(in: 0...3, using: &rng) where left > 0 {
                let cents = Bool.random(using: &rng) ? left : Int64.random(in: 1...left, using: &rng)
                let path = RefundPath.allCases.randomElement(using: &rng)!
                if path.endsSucceeded || path == .pending { left -= cents }
                refunds.append(Refund(id: "re_\(tag)r\(n)", amount: cents, path: path))
            }
            for n in 0..<(Int.random(in: 0..<4, using: &rng) == 0 ? 1 : 0) + (Int.random(in: 0..<12, using: &rng) == 0 ? 1 : 0) {
                let cents = Bool.random(using: &rng) ? amount : Int64.random(in: 1...amount, using: &rng)
                disputes.append(Dispute(id: "dp_\(tag)d\(n)", amount: cents, path: DisputePath.allCases.randomElement(using: &rng)!))
            }
        }
        return CardStory(
            paymentIntent: "pi_\(tag)", session: "cs_test_\(tag)", charge: "ch_\(tag)", amount: amount,
            // Mostly the first account's dollars; euros (the second account's, or a mismatch);
            // and now and then a currency no wallet holds.
            currency: ["usd", "usd", "usd", "usd", "usd", "usd", "eur", "eur", "eur", "gbp"].randomElement(using: &rng)!,
            livemodeMismatch: Int.random(in: 0..<15, using: &rng) == 0, flow: flow, owner: owner, refunds: refunds,
            disputes: disputes, embedsRefunds: Int.random(in: 0..<4, using: &rng) == 0
        )
    }

    // MARK: - Events

    /// The events Stripe would send, with intermediate states, in the order they happened.
    /// Ids are `evt_<payment tag>_<n>`, so a history's events never collide with another's.
    public func events() -> [String] {
        var out: [String] = []
        var created: Int64 = 1_760_000_000
        let tag = String(paymentIntent.dropFirst(3))
        func emit(_ type: String, _ object: String) {
            created += 1
            out.append(
                #"{"id":"evt_\#(tag)_\#(out.count)","object":"event","api_version":"\#(embedsRefunds ? "2022-08-01" : "2025-04-30.basil")","#
                    + #""created":\#(created),"livemode":\#(livemodeMismatch),"type":"\#(type)","data":{"object":\#(object)}}"#
            )
        }
        let (reference, sessionMetadata, intentMetadata): (String?, String?, String?) = switch owner {
        case .named(let account, let sources):
            (sources.contains(.clientReference) ? account : nil, sources.contains(.sessionMetadata) ? account : nil,
             sources.contains(.intentMetadata) ? account : nil)
        case .late(let account): (nil, nil, account)
        case .missing: (nil, nil, nil)
        case .unknown(let ghost): (ghost, ghost, ghost)
        }
        func session(_ paymentStatus: String, status: String = "complete") -> String {
            #"{"id":"\#(self.session)","object":"checkout.session","mode":"payment","payment_status":"\#(paymentStatus)","#
                + #""status":"\#(status)","amount_total":\#(amount),"currency":"\#(currency)","#
                + #""client_reference_id":\#(Self.json(reference)),"metadata":\#(Self.metadata(sessionMetadata)),"#
                + #""payment_intent":"\#(paymentIntent)"}"#
        }
        func intent() -> String {
            #"{"id":"\#(paymentIntent)","object":"payment_intent","amount":\#(amount),"amount_received":\#(amount),"#
                + #""currency":"\#(currency)","status":"succeeded","metadata":\#(Self.metadata(intentMetadata))}"#
        }
        switch flow {
        case .card:
            emit("checkout.session.completed", session("paid"))
            emit("payment_intent.succeeded", intent())
        case .asyncSuccess:
            emit("checkout.session.completed", session("unpaid"))
            emit("checkout.session.async_payment_succeeded", session("paid"))
            emit("payment_intent.succeeded", intent())
        case .asyncFailure:
            emit("checkout.session.completed", session("unpaid"))
            emit("checkout.session.async_payment_failed", session("unpaid"))
        case .intentOnly:
            emit("payment_intent.succeeded", intent())
        case .expired:
            emit("checkout.session.expired", session("unpaid", status: "expired"))
        }
        // Each refund's states in order; charge.refunded follows each change with a snapshot.
        var states: [String: String] = [:]
        func refundObject(_ refund: Refund, _ status: String) -> String {
            #"{"id":"\#(refund.id)","object":"refund","amount":\#(refund.amount),"status":"\#(status)","#
                + #""currency":"\#(currency)","charge":"\#(charge)","payment_intent":"\#(paymentIntent)"}"#
        }
        func chargeRefunded() {
            let live = refunds.filter { ["pending", "requires_action", "succeeded"].contains(states[$0.id] ?? "") }
            let list = refunds.compactMap { refund in states[refund.id].map { refundObject(refund, $0) } }
            let embedded = embedsRefunds ? #","refunds":{"object":"list","data":[\#(list.joined(separator: ","))]}"# : ""
            emit("charge.refunded", #"{"id":"\#(charge)","object":"charge","amount":\#(amount),"#
                + #""amount_refunded":\#(live.reduce(0) { $0 + $1.amount }),"refunded":false,"currency":"\#(currency)","#
                + #""payment_intent":"\#(paymentIntent)"\#(embedded)}"#)
        }
        for refund in refunds {
            let steps: [(String, String)] = switch refund.path {
            case .succeeded: [("refund.created", "succeeded")]
            case .succeededInTwoSteps: [("refund.created", "pending"), ("refund.updated", "succeeded")]
            case .succeededThenFailed: [("refund.created", "succeeded"), ("refund.failed", "failed"), ("charge.refund.updated", "failed")]
            case .canceled: [("refund.created", "pending"), ("charge.refund.updated", "canceled")]
            case .pending: [("refund.created", "pending")]
            case .failedFromPending: [("refund.created", "pending"), ("refund.updated", "failed")]
            }
            for (type, status) in steps {
                states[refund.id] = status
                emit(type, refundObject(refund, status))
                if type == "refund.created" || status == "failed" { chargeRefunded() }
            }
        }
        for dispute in disputes {
            func object(_ status: String) -> String {
                #"{"id":"\#(dispute.id)","object":"dispute","amount":\#(dispute.amount),"status":"\#(status)","#
                    + #""currency":"\#(currency)","charge":"\#(charge)","payment_intent":"\#(paymentIntent)"}"#
            }
            switch dispute.path {
            case .inquiry:
                emit("charge.dispute.created", object("warning_needs_response"))
                emit("charge.dispute.closed", object("warning_closed"))
            case .open:
                emit("charge.dispute.created", object("needs_response"))
                emit("charge.dispute.funds_withdrawn", object("needs_response"))
            case .won, .wonWithoutReinstatedEvent:
                emit("charge.dispute.created", object("needs_response"))
                emit("charge.dispute.funds_withdrawn", object("needs_response"))
                if dispute.path == .won { emit("charge.dispute.funds_reinstated", object("won")) }
                emit("charge.dispute.closed", object("won"))
            case .lost, .lostWithoutWithdrawnEvent:
                emit("charge.dispute.created", object("needs_response"))
                if dispute.path == .lost { emit("charge.dispute.funds_withdrawn", object("needs_response")) }
                emit("charge.dispute.closed", object("lost"))
            }
        }
        return out
    }

    static func json(_ text: String?) -> String { text.map { "\"\($0)\"" } ?? "null" }
    static func metadata(_ account: String?) -> String { account.map { #"{"account_id":"\#($0)"}"# } ?? "{}" }
}
