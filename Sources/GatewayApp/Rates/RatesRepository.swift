import GatewayCore
import Rates
import Store

/// The rate book as every process sees it: loaded from and saved to the store, so `gateway
/// rates show`, the watcher and a standby all read what the fetching process accepted.
public struct RatesRepository: Sendable {
    let database: any Database
    let settings: RateBook.Settings

    public init(database: any Database, settings: RateBook.Settings) {
        self.database = database
        self.settings = settings
    }

    public func load() async throws -> RateBook {
        try await database.transaction { db in try await Self.load(settings, db) }
    }

    /// Takes or renews `fence`'s lease; true while this instance holds it.
    func acquire(_ fence: LeaseFence, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            try await LeaseStore.acquireLease(name: fence.name, holder: fence.holder, now: now, expiresAt: now + fence.leaseMillis, db)
        }
    }

    public func save(_ book: RateBook, now: Int64, fence: LeaseFence? = nil) async throws {
        try await database.transaction { db in
            if let fence { try await fence.hold(now: now, db) }
            for (pair, state) in book.pairs {
                try await ExchangeRateStore.save(ExchangeRateStore.Row(
                    pair: pair.rawValue, field: state.accepted?.field, price: state.accepted?.price.description,
                    source: state.accepted?.source, fetchedAtMillis: state.accepted?.fetchedAtMillis,
                    heldPrice: state.held?.price.description, heldAtMillis: state.held?.fetchedAtMillis,
                    lastError: state.lastError, lastErrorAtMillis: state.lastErrorAtMillis
                ), now: now, db)
            }
        }
    }

    static func load(_ settings: RateBook.Settings, _ db: any SQLExecutor) async throws -> RateBook {
        var pairs: [RatePair: RateBook.PairState] = [:]
        for row in try await ExchangeRateStore.all(db) {
            guard let pair = RatePair(rawValue: row.pair) else { continue }
            var state = RateBook.PairState(lastError: row.lastError, lastErrorAtMillis: row.lastErrorAtMillis)
            if let text = row.price, let price = DecimalPrice(text), let at = row.fetchedAtMillis {
                state.accepted = Rate(pair: pair, field: row.field ?? "", price: price, fetchedAtMillis: at, source: row.source ?? "")
            }
            if let text = row.heldPrice, let price = DecimalPrice(text), let at = row.heldAtMillis {
                state.held = Rate(pair: pair, field: row.field ?? "", price: price, fetchedAtMillis: at, source: row.source ?? "")
            }
            pairs[pair] = state
        }
        return RateBook(settings: settings, pairs: pairs)
    }
}
