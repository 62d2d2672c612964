import Foundation
import GatewayCore
import Logging
import Rates
import ServiceLifecycle

/// Fetches each pair on an interval and keeps the shared rate book current. A failed fetch is
/// logged, counted and recorded on the pair; the last good rate stays until it is too old.
public struct RateService: Service {
    let source: any TickerSource
    let settings: GatewayConfig.RatesSettings
    let repository: RatesRepository
    let clock: WallClock
    let metrics: GatewayMetrics
    let logger: Logger
    /// Only what some wallet currency needs: every asset into each of `WALLET_CURRENCIES`.
    let pairs: [RatePair]

    public init(
        source: any TickerSource, settings: GatewayConfig.RatesSettings, pairs: [RatePair] = [.ethUSD, .usdtUSD],
        repository: RatesRepository, clock: WallClock, metrics: GatewayMetrics, logger: Logger
    ) {
        self.pairs = pairs
        self.source = source
        self.settings = settings
        self.repository = repository
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        logger.info("rate service started", metadata: [
            "source": "\(source.name)", "field": "\(settings.priceField)", "every_s": "\(settings.refreshSeconds)",
            "usdt": "\(settings.usdtPeg ? "peg 1.00" : "market")", "pairs": "\(pairs.map(\.rawValue).joined(separator: ","))",
        ])
        // Only the holder of the rates lease fetches and writes the shared rate book; every
        // other `gateway watch` is a standby. The lease outlives a few refresh intervals.
        let fence = LeaseFence(
            name: Self.leaseName, holder: LeaseFence.newHolder(),
            leaseMillis: max(3 * settings.refreshSeconds * 1000, 30_000)
        )
        var leading = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let holds = try await repository.acquire(fence, now: clock.nowMillis())
                if holds != leading {
                    leading = holds
                    logger.notice(holds ? "rates lease acquired: this instance fetches rates" : "rates lease held elsewhere: standing by")
                }
                // A stop cancels a fetch in flight (its timeout is seconds); the book is saved in
                // one transaction, so a cancelled round saves nothing.
                if holds { try await cancelWhenGracefulShutdown { try await refreshOnce(fence: fence) } }
            } catch where Task.isShuttingDownGracefully || Task.isCancelled {
                break
            } catch let error as LeaseLost {
                leading = false
                logger.notice("rates lease lost before saving; standing by", metadata: ["error": "\(error)"])
            } catch {
                logger.error("rate refresh could not be saved; will retry", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(settings.refreshSeconds)) }
        }
    }

    static let leaseName = "rates"

    /// One round: fetch every pair, offer each price to the book, save the book (only while
    /// `fence` holds its lease, when given).
    public func refreshOnce(fence: LeaseFence? = nil) async throws {
        var book = try await repository.load()
        for pair in pairs {
            let now = clock.nowMillis()
            // The peg is USDT's own promise (1 USDT = 1 USD); it says nothing of the euro, so
            // USDT/EUR always comes from the market.
            if pair == .usdtUSD, settings.usdtPeg {
                _ = book.offer(Rate(pair: pair, field: "peg", price: .one, fetchedAtMillis: now, source: "peg (USDT_USD_POLICY=peg)"))
                continue
            }
            do {
                let price = try await source.price(pair, field: settings.priceField)
                let rate = Rate(pair: pair, field: settings.priceField, price: price, fetchedAtMillis: clock.nowMillis(), source: source.name)
                switch book.offer(rate) {
                case .accepted, .confirmed:
                    metrics.rateFetch(pair: pair, outcome: "accepted")
                case .heldAfterOutage:
                    metrics.rateFetch(pair: pair, outcome: "held")
                    logger.warning("first rate after an outage held until the next fetch confirms it", metadata: [
                        "pair": "\(pair.rawValue)", "new": "\(price)",
                    ])
                case .held(let previous):
                    metrics.rateFetch(pair: pair, outcome: "held")
                    logger.warning("rate held by the deviation guard until the next fetch confirms it", metadata: [
                        "pair": "\(pair.rawValue)", "previous": "\(previous)", "new": "\(price)",
                        "max_percent": "\(settings.book.maxDeviationPercent)",
                    ])
                }
            } catch {
                metrics.rateFetch(pair: pair, outcome: error.kind)
                book.failed(pair, error: error.description, at: now)
                logger.warning("rate fetch failed", metadata: ["pair": "\(pair.rawValue)", "error": "\(error)"])
            }
        }
        try await repository.save(book, now: clock.nowMillis(), fence: fence)
        for pair in pairs {
            if let rate = book.pairs[pair]?.accepted { metrics.rateAge(pair: pair, seconds: rate.ageMillis(now: clock.nowMillis()) / 1000) }
        }
    }

    /// Startup check: the exchange must offer every pair we convert at. USDT/USD is not in
    /// cex.io's documentation; without it, only `USDT_USD_POLICY=peg` lets the gateway start.
    public static func checkPairs(source: any TickerSource, needed: [RatePair], usdtPeg: Bool) async throws -> [RatePair] {
        let offered = try await source.availablePairs()
        return needed.filter { !(usdtPeg && $0 == .usdtUSD) && !offered.contains($0) }
    }
}
