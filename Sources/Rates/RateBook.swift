/// The last good rate of each pair, the staleness rule and the deviation guard. Pure: every
/// time comes in as an argument, so tests drive it with a fake clock.
public struct RateBook: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// Older than this, a rate is not usable for a conversion.
        public var maxAgeMillis: Int64
        /// A move larger than this (in percent) from the last accepted price is held.
        public var maxDeviationPercent: DecimalPrice
        /// The guard compares against the last accepted price only if it is this recent; after
        /// a longer outage the first fresh price is held until a second fetch agrees with it.
        public var deviationWindowMillis: Int64

        public init(maxAgeMillis: Int64, maxDeviationPercent: DecimalPrice, deviationWindowMillis: Int64) {
            self.maxAgeMillis = maxAgeMillis
            self.maxDeviationPercent = maxDeviationPercent
            self.deviationWindowMillis = deviationWindowMillis
        }
    }

    public struct PairState: Sendable, Equatable {
        public var accepted: Rate?
        /// A price that moved too far, waiting for the next fetch to confirm it.
        public var held: Rate?
        public var lastError: String?
        public var lastErrorAtMillis: Int64?

        public init(accepted: Rate? = nil, held: Rate? = nil, lastError: String? = nil, lastErrorAtMillis: Int64? = nil) {
            self.accepted = accepted
            self.held = held
            self.lastError = lastError
            self.lastErrorAtMillis = lastErrorAtMillis
        }
    }

    public enum Decision: Sendable, Equatable {
        case accepted
        /// Held: it moved more than the allowed percentage from `previous`.
        case held(previous: DecimalPrice)
        /// Held: the last accepted price is older than the deviation window (an outage), so
        /// there is nothing recent to check this one against; the next fetch must agree.
        case heldAfterOutage
        /// Accepted because a second fetch agreed with the held price.
        case confirmed
    }

    public let settings: Settings
    public private(set) var pairs: [RatePair: PairState] = [:]

    public init(settings: Settings, pairs: [RatePair: PairState] = [:]) {
        self.settings = settings
        self.pairs = pairs
    }

    /// The first price ever is accepted (there is nothing to compare it with). After that a
    /// price is accepted when it is within the guard of the last accepted one and that one is
    /// recent; otherwise it is held until a later fetch, within the window, agrees with it.
    public mutating func offer(_ rate: Rate) -> Decision {
        var state = pairs[rate.pair] ?? PairState()
        defer { pairs[rate.pair] = state }
        state.lastError = nil
        state.lastErrorAtMillis = nil
        guard let accepted = state.accepted else {
            state.accepted = rate
            state.held = nil
            return .accepted
        }
        let afterOutage = rate.fetchedAtMillis - accepted.fetchedAtMillis > settings.deviationWindowMillis
        if !afterOutage, !accepted.price.deviates(rate.price, byMoreThan: settings.maxDeviationPercent) {
            state.accepted = rate
            state.held = nil
            return .accepted
        }
        if let held = state.held, rate.fetchedAtMillis - held.fetchedAtMillis <= settings.deviationWindowMillis,
           !held.price.deviates(rate.price, byMoreThan: settings.maxDeviationPercent) {
            state.accepted = rate
            state.held = nil
            return .confirmed
        }
        state.held = rate
        return afterOutage ? .heldAfterOutage : .held(previous: accepted.price)
    }

    public mutating func failed(_ pair: RatePair, error: String, at now: Int64) {
        var state = pairs[pair] ?? PairState()
        state.lastError = error
        state.lastErrorAtMillis = now
        pairs[pair] = state
    }

    /// The rate to convert at now, or nil: never one older than the limit.
    public func usable(_ pair: RatePair, now: Int64) -> Rate? {
        guard let rate = pairs[pair]?.accepted, rate.ageMillis(now: now) <= settings.maxAgeMillis else { return nil }
        return rate
    }
}
