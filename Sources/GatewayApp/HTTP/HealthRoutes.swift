import Hummingbird
import Store
import Rates
import GatewayCore

/// `/healthz` (the process answers), `/readyz` (store reachable, schema current), `/metrics`,
/// and `/openapi.json` (this listener's contract).
struct HealthRoutes {
    /// How long `/readyz` waits for the store before calling it not ready.
    static let readinessTimeout: Duration = .seconds(2)

    let database: any Database
    let outbox: OutboxStore
    let metrics: GatewayMetrics
    let clock: WallClock
    /// The leases of the jobs this configuration runs (each chain's watcher, the rates), exported
    /// from the database on every scrape, wherever those jobs run.
    var leases: [String] = []
    /// The rate book and the pairs deposits convert at, for `gateway_rate_usable`.
    var rates: (repository: RatesRepository, pairs: [RatePair])?

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(status: .ok, .object(["status": .string("ok")]))
        }
        router.get("/readyz") { _, context in
            do {
                let migrator = Migrator(database: database)
                try await withTimeout(Self.readinessTimeout) { try await migrator.checkCurrent() }
                return JSONResponse.make(status: .ok, .object(["status": .string("ready")]))
            } catch {
                context.logger.warning("not ready", metadata: ["error": "\(error)"])
                return JSONResponse.make(status: .serviceUnavailable, .object([
                    "status": .string("not_ready"), "reason": .string("\(error)"),
                ]))
            }
        }
        // The contract of this listener (scripts/gen-openapi.py), behind the token like the rest.
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json))
            )
        }
        router.get("/metrics") { _, _ in
            if let stats = try? await outbox.stats(now: clock.nowMillis()) {
                metrics.outboxBacklog(OutboxStatsSnapshot(counts: stats.counts, oldestUndeliveredAgeMillis: stats.oldestUndeliveredAgeMillis))
            }
            if let counts = try? await database.transaction({ db in try await DepositStore.countsByStatus(db) }) {
                metrics.deposits(counts)
            }
            let now = clock.nowMillis()
            // A store that cannot be read says nothing is held and nothing usable, so the alerts
            // fire rather than keep the last good values.
            if !leases.isEmpty {
                let rows = (try? await database.transaction({ db in try await LeaseStore.all(db) })) ?? []
                for name in leases {
                    let row = rows.first { $0.name == name }
                    metrics.lease(name, holder: row?.holder, expiresAtMillis: row?.expiresAtMillis, now: now)
                }
            }
            if let rates {
                let book = try? await rates.repository.load()
                for pair in rates.pairs { metrics.rateUsable(pair, book?.usable(pair, now: now) != nil) }
            }
            var buffer: [UInt8] = []
            metrics.registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }
}
