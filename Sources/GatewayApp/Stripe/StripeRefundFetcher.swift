import GatewayCore
import Logging
import ServiceLifecycle
import Store
import Stripe

/// Lists the refunds of charges whose `charge.refunded` named none (current API versions do
/// not embed them) and applies each refund object through the webhook's ingest, so refunds
/// move money per refund even when the endpoint misses `refund.*` events.
///
/// Each refund state becomes one synthetic event, `evt_fetched_<re>_<status>`: applying it
/// again is a duplicate, and a later state is a new fact. A charge stays due, with backoff,
/// while any of its refunds is pending. Runs only with `STRIPE_API_KEY`; with several
/// instances each may fetch the same charge, which only repeats duplicates.
public struct StripeRefundFetcher: Service {
    /// Charges handled per round; each is one API call.
    static let batchSize = 20
    /// A failed fetch waits this long, doubled per attempt up to `maxBackoffMillis`.
    static let baseBackoffMillis: Int64 = 5_000
    static let maxBackoffMillis: Int64 = 15 * 60_000
    /// A charge has at most a few refunds; this bounds a bad case.
    static let maxRefundsPerCharge = 1_000

    let api: StripeAPIClient
    let database: any Database
    let ingest: StripeIngest
    let clock: WallClock
    let pollIntervalMillis: Int64
    let metrics: GatewayMetrics
    let logger: Logger

    public init(
        api: StripeAPIClient, database: any Database, ingest: StripeIngest, clock: WallClock, pollIntervalMillis: Int64,
        metrics: GatewayMetrics, logger: Logger
    ) {
        self.metrics = metrics
        self.api = api
        self.database = database
        self.ingest = ingest
        self.clock = clock
        self.pollIntervalMillis = pollIntervalMillis
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let handled: Int
            do { handled = try await runOnce() } catch {
                logger.error("refund fetch round failed; will retry", metadata: ["error": "\(error)"])
                handled = 0
            }
            if handled == 0 {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(pollIntervalMillis)) }
            }
        }
    }

    /// One round over the due charges. Returns how many it handled.
    @discardableResult
    public func runOnce() async throws -> Int {
        let due = try await database.transaction { db in
            try await RefundFetchStore.due(now: clock.nowMillis(), limit: Self.batchSize, db)
        }
        for row in due {
            do {
                let objects = try await api.listAll("/v1/refunds", query: [("charge", row.charge)])
                guard objects.count <= Self.maxRefundsPerCharge else {
                    throw OperatorError(.refused, "charge \(row.charge) lists \(objects.count) refunds, more than \(Self.maxRefundsPerCharge)")
                }
                var unsettled = 0
                for object in objects {
                    guard let event = Self.event(for: object, livemode: ingest.livemode) else {
                        throw OperatorError(.unreachable, "Stripe listed a refund without id or status for charge \(row.charge)")
                    }
                    let raw = Array(event.canonicalText.utf8)
                    let decoded = try StripeEvent.decode(raw)
                    _ = try await ingest.ingest(decoded, rawBody: raw)
                    if ["pending", "requires_action"].contains(object["status"]?.stringValue ?? "") { unsettled += 1 }
                }
                let now = clock.nowMillis()
                let pending = unsettled
                try await database.transaction { db in
                    if pending > 0 {
                        // Without refund.* events nothing else says when these settle: look again.
                        try await RefundFetchStore.fail(
                            charge: row.charge, error: "\(pending) refund(s) still pending; looking again",
                            retryAt: now + Self.backoff(attempts: row.attempts), db
                        )
                    } else {
                        try await RefundFetchStore.finish(charge: row.charge, requestedAt: row.requestedAtMillis, now: now, db)
                    }
                }
            } catch {
                let wait = Self.backoff(attempts: row.attempts)
                logger.warning(
                    "could not fetch a charge's refunds; will retry",
                    metadata: ["charge": "\(row.charge)", "attempts": "\(row.attempts + 1)", "error": "\(error)"]
                )
                try await database.transaction { db in
                    try await RefundFetchStore.fail(charge: row.charge, error: "\(error)", retryAt: clock.nowMillis() + wait, db)
                }
            }
        }
        let waiting = try await database.transaction { db in try await RefundFetchStore.waitingCount(db) }
        metrics.refundFetchesWaiting(waiting)
        return due.count
    }

    static func backoff(attempts: Int64) -> Int64 {
        min(baseBackoffMillis << min(attempts, 20), maxBackoffMillis)
    }

    /// The event a refund object in its current state stands for.
    static func event(for refund: JSONValue, livemode: Bool) -> JSONValue? {
        guard let id = refund["id"]?.stringValue, let status = refund["status"]?.stringValue else { return nil }
        return .object([
            "id": .string("evt_fetched_\(id)_\(status)"),
            "object": .string("event"),
            "type": .string(status == "failed" ? "refund.failed" : "refund.updated"),
            "created": refund["created"] ?? .int(0),
            "livemode": refund["livemode"] ?? .bool(livemode),
            "api_version": .string(StripeAPIClient.apiVersion),
            "data": .object(["object": refund]),
        ])
    }
}
