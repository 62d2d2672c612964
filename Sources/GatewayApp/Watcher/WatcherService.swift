import Ethereum
import Foundation
import Logging
import ServiceLifecycle
import Store

/// Runs the chain watcher while holding the `eth-watcher` lease. A second instance waits as
/// a hot standby and takes over once the holder's lease expires (it renews every step).
public struct WatcherService: Service {
    let watcher: ChainWatcher
    let database: any Database
    let settings: GatewayConfig.EthereumSettings
    let clock: WallClock
    let metrics: GatewayMetrics
    let logger: Logger
    let holder: String


    public init(watcher: ChainWatcher, database: any Database, settings: GatewayConfig.EthereumSettings, clock: WallClock, metrics: GatewayMetrics, logger: Logger) {
        let holder = LeaseFence.newHolder()
        // Every write of a step renews and checks the lease: a step that outlasts it writes nothing.
        self.watcher = watcher.fenced(by: LeaseFence(name: watcher.chain.leaseName, holder: holder, leaseMillis: settings.leaseSeconds * 1000))
        self.holder = holder
        self.database = database
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// Waits between attempts to reach the node at startup.
    static let startupRetryMillis: Int64 = 2_000

    public func run() async throws {
        // The node may be down when the gateway starts: keep trying, and stop at once on
        // SIGTERM. A node on the wrong chain is a configuration error and stops the process.
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await watcher.checkChain() }
                break
            } catch let error as ConfigError {
                throw error
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                logger.warning("Ethereum node not reachable at startup; retrying", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Self.startupRetryMillis)) }
            }
        }
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else {
            logger.info("watcher stopped")
            return
        }
        logger.info("watcher started", metadata: [
            "chain_id": "\(settings.chainID)", "confirmations": "\(settings.confirmations)", "usdt": "\(settings.usdtContract)",
            "endpoints": "\(settings.rpcURLs.count)",
        ])
        var leading = false
        var lastHead: UInt64 = 0
        var lastHeadChange = clock.nowMillis()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let now = clock.nowMillis()
            let holds = (try? await database.transaction { db in
                try await LeaseStore.acquireLease(name: watcher.chain.leaseName, holder: holder, now: now, expiresAt: now + settings.leaseSeconds * 1000, db)
            }) ?? false
            if holds != leading {
                leading = holds
                logger.notice(holds ? "watcher lease acquired: this instance is active" : "watcher lease held elsewhere: standing by")
            }
            metrics.watcherActive(watcher.chain.chain, holds)
            var caughtUp = true
            if holds {
                do {
                    // Operators' rescans first (`reconcile chain --fix`), under this lease.
                    if try await ChainRescan.serveNext(watcher: watcher, database: database, clock: clock) { continue }
                    // A stop cancels the step's node calls and their backoff at once; its store
                    // writes are transactions, so a cancelled step leaves nothing half-written.
                    let report = try await cancelWhenGracefulShutdown { try await watcher.pollOnce() }
                    caughtUp = report.cursor >= report.head
                    if report.head != lastHead {
                        lastHead = report.head
                        lastHeadChange = clock.nowMillis()
                    }
                    let stalled = clock.nowMillis() - lastHeadChange > settings.headStallSeconds * 1000
                    metrics.chainHeadStalled(watcher.chain.chain, stalled)
                    if stalled {
                        logger.warning("node head has not advanced", metadata: ["head": "\(lastHead)", "seconds": "\((clock.nowMillis() - lastHeadChange) / 1000)"])
                    }
                } catch let error as LeaseLost {
                    leading = false
                    logger.notice("watcher lease lost during a step; standing by", metadata: ["error": "\(error)"])
                } catch where Task.isShuttingDownGracefully || Task.isCancelled {
                    break
                } catch let error as RPCError {
                    metrics.rpcError(watcher.chain.chain, error.kind)
                    logger.warning("watcher step failed; will retry", metadata: ["error": "\(error)"])
                } catch {
                    logger.error("watcher step failed; will retry", metadata: ["error": "\(error)"])
                }
            }
            // Catching up: go again at once. Caught up or standing by: wait one interval.
            if !caughtUp { continue }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(settings.pollIntervalMillis)) }
        }
        if leading {
            // Hand over at once rather than making the standby wait for expiry.
            try? await database.transaction { db in try await LeaseStore.releaseLease(name: watcher.chain.leaseName, holder: holder, db) }
        }
        logger.info("watcher stopped")
    }
}
