import CoreMetrics
import GatewayCore
import Prometheus
import Rates
import Synchronization

/// The gateway's metrics, registered in one Prometheus registry owned by the application
/// (not a process-global), so tests can build several applications side by side.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The holder last exported per lease, so a change of holder zeroes the old series.
    private let leaseHolders = Mutex<[String: String?]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    func counter(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
    }

    func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
    }

    func walletPosts(_ result: PostResult) {
        let outcome = switch result {
        case .created: "created"
        case .replayed: "replayed"
        case .idempotencyConflict: "idempotency_conflict"
        case .unknownAccount: "unknown_account"
        case .currencyMismatch: "currency_mismatch"
        case .insufficientFunds: "insufficient_funds"
        case .overflow: "overflow"
        }
        counter("gateway_wallet_posts_total", [("result", outcome)]).increment()
    }

    func outboxDelivery(_ outcome: DeliveryOutcome) {
        let label = switch outcome {
        case .delivered: "delivered"
        case .transient: "transient_failure"
        case .permanent: "parked"
        }
        counter("gateway_outbox_deliveries_total", [("outcome", label)]).increment()
    }

    func webhook(outcome: String) {
        counter("gateway_stripe_webhooks_total", [("outcome", outcome)]).increment()
    }

    /// What recorded events did to their payments (applied, parked, waiting, ignored, unhandled, duplicate).
    /// Charges whose refunds are still to be fetched from Stripe (or still pending there).
    func refundFetchesWaiting(_ count: Int) { gauge("gateway_stripe_refund_fetches_waiting").record(count) }

    func webhookOutcome(_ label: String) {
        counter("gateway_stripe_events_total", [("outcome", label)]).increment()
    }

    /// Seconds from the event's creation at Stripe to its durable record here.
    func stripeLag(seconds: Int64) {
        gauge("gateway_stripe_processing_lag_seconds").record(max(0, seconds))
    }

    func rateFetch(pair: RatePair, outcome: String) {
        counter("gateway_rate_fetches_total", [("pair", pair.rawValue), ("outcome", outcome)]).increment()
    }

    func rateAge(pair: RatePair, seconds: Int64) {
        gauge("gateway_rate_age_seconds", [("pair", pair.rawValue)]).record(seconds)
    }

    // Watcher metrics carry the chain (`ethereum`, `tron`); before chains they were named
    // `gateway_eth_*` without a label (the README lists the renames).

    func chainHead(_ chain: Chain, _ head: UInt64) { gauge("gateway_chain_head", [("chain", chain.rawValue)]).record(Int64(clamping: head)) }

    func chainCursor(_ chain: Chain, _ cursor: UInt64, head: UInt64) {
        gauge("gateway_chain_cursor", [("chain", chain.rawValue)]).record(Int64(clamping: cursor))
        gauge("gateway_chain_lag_blocks", [("chain", chain.rawValue)]).record(Int64(clamping: head >= cursor ? head - cursor : 0))
    }

    /// A deposit deep enough whose block the node did not vouch for at that moment.
    func confirmDeferred(_ chain: Chain) { counter("gateway_chain_confirmations_deferred_total", [("chain", chain.rawValue)]).increment() }
    /// A block asked for its logs again by hash: its bloom may hold a Transfer of the token,
    /// but the range answer had none (an endpoint that has not indexed the block yet).
    func logsRechecked(_ chain: Chain) { counter("gateway_chain_logs_rechecked_total", [("chain", chain.rawValue)]).increment() }
    /// A reorg deeper than the stored header window (the walk went to the checkpoints).
    func chainDeepReorg(_ chain: Chain) { counter("gateway_chain_reorgs_beyond_window_total", [("chain", chain.rawValue)]).increment() }
    func chainReorg(_ chain: Chain) { counter("gateway_chain_reorgs_total", [("chain", chain.rawValue)]).increment() }
    func chainCreditedReorg(_ chain: Chain) { counter("gateway_chain_credited_deposits_reorged_total", [("chain", chain.rawValue)]).increment() }
    func rpcError(_ chain: Chain, _ kind: String) {
        counter("gateway_chain_rpc_errors_total", [("chain", chain.rawValue), ("kind", kind)]).increment()
    }
    func chainHeadStalled(_ chain: Chain, _ stalled: Bool) { gauge("gateway_chain_head_stalled", [("chain", chain.rawValue)]).record(stalled ? 1 : 0) }
    func watcherActive(_ chain: Chain, _ active: Bool) { gauge("gateway_watcher_active", [("chain", chain.rawValue)]).record(active ? 1 : 0) }

    func deposits(_ counts: [String: Int]) {
        for status in DepositStatus.allCases {
            gauge("gateway_deposits", [("status", status.rawValue)]).record(counts[status.rawValue] ?? 0)
        }
    }

    /// A lease as the database has it, on every instance, so an alert sees a job nobody runs:
    /// `gateway_lease_held` (1 while an unexpired holder has it), its expiry, and the holder
    /// by name (`gateway_lease_holder_info`, the previous holder's series set to 0).
    func lease(_ name: String, holder: String?, expiresAtMillis: Int64?, now: Int64) {
        let held = holder != nil && (expiresAtMillis ?? 0) >= now
        let current = held ? holder : nil
        gauge("gateway_lease_held", [("lease", name)]).record(held ? 1 : 0)
        gauge("gateway_lease_expiry_timestamp_seconds", [("lease", name)]).record(Double(expiresAtMillis ?? 0) / 1000)
        let previous = leaseHolders.withLock { holders in
            defer { holders[name] = current }
            return holders[name] ?? nil
        }
        // One series per live holder: the previous holder's is removed, so restarts do not pile
        // up series.
        if let previous, previous != current { gauge("gateway_lease_holder_info", [("lease", name), ("holder", previous)]).destroy() }
        if let current { gauge("gateway_lease_holder_info", [("lease", name), ("holder", current)]).record(1) }
    }

    /// Whether each pair's rate may convert a deposit now, from the shared rate book.
    func rateUsable(_ pair: RatePair, _ usable: Bool) {
        gauge("gateway_rate_usable", [("pair", pair.rawValue)]).record(usable ? 1 : 0)
    }

    /// Backlog gauges, refreshed when `/metrics` is scraped.
    func outboxBacklog(_ stats: OutboxStatsSnapshot) {
        for status in OutboxStatus.allCases {
            gauge("gateway_outbox_rows", [("status", status.rawValue)]).record(stats.counts[status] ?? 0)
        }
        gauge("gateway_outbox_oldest_undelivered_age_seconds").record(Double(stats.oldestUndeliveredAgeMillis ?? 0) / 1000)
    }
}

/// What the backlog gauges show; the store's `OutboxStats` converts into it.
struct OutboxStatsSnapshot {
    var counts: [OutboxStatus: Int]
    var oldestUndeliveredAgeMillis: Int64?
}
