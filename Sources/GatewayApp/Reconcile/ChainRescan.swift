import Foundation
import GatewayCore
import Store

/// `reconcile chain --fix` without a second writer of chain state: when no watcher holds the
/// lease, the command takes it for its run; when one does, the command asks it (a row in
/// `chain_rescans`), the watcher carries the rescan out under its lease between steps, and
/// the command waits for its report.
public struct ChainRescan: Sendable {
    let watcher: ChainWatcher
    let database: any Database
    let clock: WallClock
    let leaseMillis: Int64

    public init(watcher: ChainWatcher, database: any Database, clock: WallClock, leaseMillis: Int64) {
        self.watcher = watcher
        self.database = database
        self.clock = clock
        self.leaseMillis = leaseMillis
    }

    /// How often a waiting command looks for the watcher's report.
    static let pollMillis: Int64 = 250

    public func fix(from: UInt64, to: UInt64, operator name: OperatorName, timeout: Duration) async throws -> ReconcileReport {
        let holder = LeaseFence.newHolder("reconcile")
        let now = clock.nowMillis()
        let taken = try await database.transaction { [leaseMillis] db in
            try await LeaseStore.acquireLease(name: watcher.chain.leaseName, holder: holder, now: now, expiresAt: now + leaseMillis, db)
        }
        if taken {
            let fenced = watcher.fenced(by: LeaseFence(name: watcher.chain.leaseName, holder: holder, leaseMillis: leaseMillis))
            let result: Result<ReconcileReport, any Error>
            do {
                result = .success(try await ChainReconciler(watcher: fenced, database: database)
                    .run(from: from, to: to, fix: true, operator: name, now: clock.nowMillis()))
            } catch {
                result = .failure(error)
            }
            try? await database.transaction { db in try await LeaseStore.releaseLease(name: watcher.chain.leaseName, holder: holder, db) }
            return try result.get()
        }
        let chainID = watcher.chainID
        let id = try await database.transaction { db in
            try await RescanStore.request(chainID: chainID, from: from, to: to, operatorName: name.rawValue, now: now, db)
        }
        if let request = try await wait(for: id, until: ContinuousClock.now + timeout) { return try Self.report(of: request, id: id) }
        // Nobody waits for it any more: withdraw it, unless a watcher has begun it (its fixes
        // are landing, audited; its report must too), so no fix runs later with nobody watching.
        let now2 = clock.nowMillis()
        let withdrawn = try await database.transaction { db in
            try await RescanStore.withdraw(id: id, reason: "withdrawn: the command stopped waiting after \(timeout)", now: now2, db)
        }
        guard !withdrawn else {
            throw OperatorError(
                .unreachable,
                "a watcher holds the lease but did not carry out rescan #\(id) within \(timeout); the request is withdrawn, run the command again"
            )
        }
        // Begun: wait for it to finish, at most as long again.
        if let request = try await wait(for: id, until: ContinuousClock.now + timeout) { return try Self.report(of: request, id: id) }
        throw OperatorError(
            .unreachable,
            "the active watcher is still carrying out rescan #\(id); its fixes are audited as they land, and its report will be in chain_rescans"
        )
    }

    /// The request once finished (`done`); throws once `failed`; nil at the deadline.
    private func wait(for id: Int64, until deadline: ContinuousClock.Instant) async throws -> RescanStore.Request? {
        while ContinuousClock.now < deadline {
            let request = try await database.transaction { db in try await RescanStore.find(id: id, db) }
            switch request?.status {
            case "done":
                return request
            case "failed":
                throw OperatorError(.unreachable, "the active watcher could not carry out rescan #\(id): \(request?.report ?? "no reason")")
            default:
                try await Task.sleep(for: .milliseconds(Self.pollMillis))
            }
        }
        return nil
    }

    /// The report a finished request carries.
    static func report(of request: RescanStore.Request?, id: Int64) throws -> ReconcileReport {
        guard let text = request?.report, let json = try? JSONValue.parse(Array(text.utf8)), let report = ReconcileReport(json: json) else {
            throw OperatorError(.unreachable, "rescan #\(id) finished without a readable report")
        }
        return report
    }

    /// The watcher's side, between its steps: carries out the oldest request, if any, with a
    /// watcher fenced by its own lease. Returns whether it ran one.
    static func serveNext(watcher: ChainWatcher, database: any Database, clock: WallClock) async throws -> Bool {
        let chainID = watcher.chainID
        guard let request = try await database.transaction({ db in try await RescanStore.nextPending(chainID: chainID, db) }) else {
            return false
        }
        // Begun, under the lease: from now on a command that stops waiting leaves it running.
        let begun = clock.nowMillis()
        guard try await watcher.write({ db in try await RescanStore.start(id: request.id, now: begun, db) }) else { return true }
        let (failed, text): (Bool, String)
        do {
            let report = try await ChainReconciler(watcher: watcher, database: database)
                .run(from: request.from, to: request.to, fix: true, operator: try OperatorName(request.operatorName), now: clock.nowMillis())
            (failed, text) = (false, report.json.canonicalText)
        } catch let error as LeaseLost {
            throw error  // the next holder carries it out
        } catch {
            (failed, text) = (true, "\(error)")
        }
        let now = clock.nowMillis()
        // Fenced like every other write of the watcher: a holder that lost the lease leaves
        // the request to the next one.
        try await watcher.write { db in try await RescanStore.finish(id: request.id, failed: failed, report: text, now: now, db) }
        return true
    }
}
