import Hummingbird
import Store

/// `/healthz` (the process answers), `/readyz` (store reachable, schema current), `/metrics`.
struct HealthRoutes {
    /// How long `/readyz` waits for the store before calling it not ready.
    static let readinessTimeout: Duration = .seconds(2)

    let database: any Database
    let outbox: OutboxStore
    let metrics: GatewayMetrics
    let clock: WallClock

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
        router.get("/metrics") { _, _ in
            if let stats = try? await outbox.stats(now: clock.nowMillis()) {
                metrics.outboxBacklog(OutboxStatsSnapshot(counts: stats.counts, oldestUndeliveredAgeMillis: stats.oldestUndeliveredAgeMillis))
            }
            if let counts = try? await database.transaction({ db in try await DepositStore.countsByStatus(db) }) {
                metrics.deposits(counts)
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
