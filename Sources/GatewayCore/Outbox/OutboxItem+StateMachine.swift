/// The states of an outbox row, as `design.md` names them.
public enum OutboxStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case pending
    case retrying
    case delivered
    case parked

    /// Rows the worker still has to deliver.
    public static let undelivered: [OutboxStatus] = [.pending, .retrying]
}

/// Where a row stands: its status and what the worker needs to decide the next step.
public struct OutboxState: Sendable, Equatable {
    public var status: OutboxStatus
    public var attempts: Int
    /// When the row may be tried next (ms since the Unix epoch); meaningful for pending/retrying.
    public var nextAttemptAtMillis: Int64
    public var lastError: String?
    public var parkedReason: String?
    /// The wallet's entry id once delivered.
    public var walletEntryID: String?

    public init(
        status: OutboxStatus, attempts: Int, nextAttemptAtMillis: Int64, lastError: String? = nil,
        parkedReason: String? = nil, walletEntryID: String? = nil
    ) {
        self.status = status
        self.attempts = attempts
        self.nextAttemptAtMillis = nextAttemptAtMillis
        self.lastError = lastError
        self.parkedReason = parkedReason
        self.walletEntryID = walletEntryID
    }

    public static func new(now: Int64) -> OutboxState {
        OutboxState(status: .pending, attempts: 0, nextAttemptAtMillis: now)
    }
}

/// What one delivery attempt to the wallet came to.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The wallet applied the entry (or had already applied it under this key).
    case delivered(walletEntryID: String)
    /// Worth retrying: network error, timeout, 5xx, 429, an auth misconfiguration an operator can fix.
    case transient(String)
    /// Retrying cannot fix it: unknown account, idempotency conflict, insufficient funds, rejected body.
    case permanent(String)
}

/// Retry limits for delivery.
public struct OutboxRetryPolicy: Sendable, Equatable {
    /// Attempts before a row is parked for an operator. With the default delays, 20 attempts
    /// span about a day and a half of wallet outage.
    public var maxAttempts: Int
    public var baseDelayMillis: Int64
    public var maxDelayMillis: Int64

    public init(maxAttempts: Int = 20, baseDelayMillis: Int64 = 500, maxDelayMillis: Int64 = 2 * 60 * 60 * 1000) {
        self.maxAttempts = maxAttempts
        self.baseDelayMillis = baseDelayMillis
        self.maxDelayMillis = maxDelayMillis
    }

    /// Exponential backoff with "equal jitter": half the delay is fixed, half is random, so
    /// retries from many rows spread out without ever retrying immediately.
    /// - Parameter jitterPermille: a random number in 0..<1000, injected so tests are exact.
    public func delayMillis(afterAttempt attempt: Int, jitterPermille: Int) -> Int64 {
        let exponent = min(max(attempt - 1, 0), 40)  // 2^40 × base is far past any cap
        let (raw, overflow) = baseDelayMillis.multipliedReportingOverflow(by: Int64(1) << exponent)
        let capped = overflow ? maxDelayMillis : min(raw, maxDelayMillis)
        let half = capped / 2
        return half + half * Int64(min(max(jitterPermille, 0), 999)) / 1000
    }
}

extension OutboxState {
    /// The pure transition after a delivery attempt. The store persists the result.
    public func after(
        _ outcome: DeliveryOutcome, now: Int64, policy: OutboxRetryPolicy, jitterPermille: Int
    ) -> OutboxState {
        var next = self
        next.attempts += 1
        switch outcome {
        case .delivered(let entryID):
            next.status = .delivered
            next.walletEntryID = entryID
            next.lastError = nil
        case .permanent(let reason):
            next.status = .parked
            next.parkedReason = reason
            next.lastError = reason
        case .transient(let error):
            next.lastError = error
            if next.attempts >= policy.maxAttempts {
                next.status = .parked
                next.parkedReason = "gave up after \(next.attempts) attempts; last error: \(error)"
            } else {
                next.status = .retrying
                next.nextAttemptAtMillis = now + policy.delayMillis(afterAttempt: next.attempts, jitterPermille: jitterPermille)
            }
        }
        return next
    }

    /// An operator's retry: a parked (or retrying) row goes back to the queue, due now.
    /// Delivered rows are final; retrying them is refused by returning nil.
    public func retried(now: Int64) -> OutboxState? {
        guard status != .delivered else { return nil }
        var next = self
        next.status = .pending
        next.parkedReason = nil
        next.nextAttemptAtMillis = now
        // Attempts restart so the row gets a full retry budget again; history stays in the log.
        next.attempts = 0
        return next
    }

    /// Reconciliation found that the wallet lacks an entry this row delivered: send it again
    /// under the same idempotency key. Only delivered rows qualify; the wallet applies the key
    /// at most once, so a redelivery can never double the entry.
    public func redelivered(now: Int64) -> OutboxState? {
        guard status == .delivered else { return nil }
        var next = self
        next.status = .pending
        next.nextAttemptAtMillis = now
        next.attempts = 0
        next.walletEntryID = nil
        next.lastError = "redelivery requested: the wallet lacked this entry"
        return next
    }
}
