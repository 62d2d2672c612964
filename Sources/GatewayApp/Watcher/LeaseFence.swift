import Foundation
import GatewayCore
import Store

/// A lease that fences writes: who holds it, for how long a renewal lasts.
public struct LeaseFence: Sendable {
    public let name: String
    public let holder: String
    public let leaseMillis: Int64

    /// A holder name unique to this process and call: host, pid and a random suffix.
    public static func newHolder(_ role: String? = nil) -> String {
        let process = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
        return role.map { "\($0):\(process)" } ?? process
    }

    public init(name: String, holder: String, leaseMillis: Int64) {
        self.name = name
        self.holder = holder
        self.leaseMillis = leaseMillis
    }

    /// Renews the lease in the caller's transaction; throws `LeaseLost` (rolling the
    /// transaction back) unless this holder still holds it.
    func hold(now: Int64, _ db: any SQLExecutor) async throws {
        guard try await LeaseStore.renewLease(name: name, holder: holder, now: now, expiresAt: now + leaseMillis, db) else {
            throw LeaseLost(name: name, holder: holder)
        }
    }
}

/// Write transactions conditional on a lease: the first statement renews it, and fails the
/// transaction unless this holder still holds it, so a watcher whose lease passed to another
/// writes nothing. On PostgreSQL the renewal also locks the lease row until commit, so a
/// standby cannot take the lease between the check and the writes. Without a fence (tests that
/// drive one watcher by hand) it is a plain transaction.
struct FencedWrites: Sendable {
    let database: any Database
    let fence: LeaseFence?
    let clock: WallClock

    func callAsFunction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await database.transaction { [fence, clock] db in
            if let fence { try await fence.hold(now: clock.nowMillis(), db) }
            return try await body(db)
        }
    }
}

/// Another instance holds the lease now: this one's write did not happen.
public struct LeaseLost: Error, Sendable, CustomStringConvertible {
    public let name: String
    public let holder: String
    public var description: String { "lease \(name) is no longer held by \(holder); nothing was written" }
}
