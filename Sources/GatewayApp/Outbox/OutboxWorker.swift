import GatewayCore
import Logging
import ServiceLifecycle
import Store

/// Drains the outbox into the wallet: claims due rows, delivers them with bounded concurrency,
/// and records each outcome through the pure `OutboxState.after` transition.
public struct OutboxWorker: Service {
    let outbox: OutboxStore
    let wallet: any WalletDelivering
    let settings: GatewayConfig.OutboxSettings
    let clock: WallClock
    let metrics: GatewayMetrics
    let logger: Logger

    public init(
        outbox: OutboxStore, wallet: any WalletDelivering, settings: GatewayConfig.OutboxSettings, clock: WallClock,
        metrics: GatewayMetrics, logger: Logger
    ) {
        self.outbox = outbox
        self.wallet = wallet
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        logger.info("outbox worker started", metadata: ["batch": "\(settings.batchSize)", "concurrency": "\(settings.concurrency)"])
        // Bounded by shutdown: each round handles at most one batch, then re-checks.
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let handled: Int
            do {
                handled = try await runOnce()
            } catch {
                // The rows are untouched in the store; the next round claims them again.
                logger.error("outbox round failed; will retry", metadata: ["error": "\(error)"])
                handled = 0
            }
            if handled == 0 {
                try? await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: .milliseconds(settings.pollIntervalMillis))
                }
            }
        }
        logger.info("outbox worker stopped")
    }

    /// One round: claim, deliver, record. Returns how many rows it handled.
    @discardableResult
    public func runOnce() async throws -> Int {
        let token = Self.claimToken()
        // The lease outlives the slowest batch: its calls run `concurrency` at a time, each
        // bounded by the request timeout, plus one timeout of slack for the store writes. A
        // worker killed mid-batch delays those rows by at most this long; it never loses them.
        let rounds = Int64((settings.batchSize + settings.concurrency - 1) / settings.concurrency)
        let lease = settings.requestTimeoutMillis * (rounds + 1)
        let items = try await outbox.claimDue(limit: settings.batchSize, now: clock.nowMillis(), leaseMillis: lease, token: token)
        guard !items.isEmpty else { return 0 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = items.makeIterator()
            for _ in 0..<settings.concurrency {
                guard let item = iterator.next() else { break }
                group.addTask { try await deliver(item, token: token) }
            }
            while try await group.next() != nil {
                if let item = iterator.next() { group.addTask { try await deliver(item, token: token) } }
            }
        }
        return items.count
    }

    private func deliver(_ item: OutboxItem, token: String) async throws {
        let outcome = await wallet.deliver(item)
        metrics.outboxDelivery(outcome)
        let now = clock.nowMillis()
        let next = item.state.after(
            outcome, now: now, policy: settings.retry, jitterPermille: Int.random(in: 0..<1000)
        )
        let recorded = try await outbox.record(id: item.id, token: token, state: next, now: now)
        var metadata: Logger.Metadata = [
            "outbox_id": "\(item.id)", "key": "\(item.key)", "status": "\(next.status.rawValue)", "attempts": "\(next.attempts)",
        ]
        if let error = next.lastError { metadata["error"] = "\(error)" }
        switch next.status {
        case .parked: logger.warning("outbox row parked", metadata: metadata)
        case .retrying: logger.notice("outbox delivery failed; will retry", metadata: metadata)
        default: logger.debug("outbox row delivered", metadata: metadata)
        }
        if !recorded {
            // Our lease ran out and another worker took the row; the wallet's idempotency key
            // makes the double delivery harmless, and the other worker's record stands.
            logger.notice("outbox claim lost before recording", metadata: metadata)
        }
    }

    static func claimToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 36) + String(generator.next() as UInt64, radix: 36)
    }
}
