import Foundation
import GatewayTestSupport
import Hummingbird
import Testing

@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    @Test func requestInFlightCompletesWhenShutdownStarts() async throws {
        let gateway = try await TestGateway.start(backend: .sqlite, extraInternalRoutes: { router in
            router.get("/test/slow") { _, _ in
                try await Task.sleep(for: .milliseconds(800))
                return "done"
            }
        })
        let inFlight = Task { try await gateway.request(.GET, "/test/slow") }
        try await Task.sleep(for: .milliseconds(200))
        // The same path SIGTERM takes: ServiceGroup's graceful shutdown.
        await gateway.group.triggerGracefulShutdown()
        let response = try await inFlight.value
        #expect(response.status == 200)
        #expect(response.text == "done")
        try await gateway.waitUntilStopped()
        await gateway.gateway.close()
    }

    @Test func sigtermStopsTheRealBinaryCleanly() async throws {
        let port = try GatewayProcess.freePort()
        let child = try GatewayProcess(arguments: ["run"], environment: [
            "GATEWAY_INTERNAL_LISTEN": "127.0.0.1:\(port)",
            "GATEWAY_PUBLIC_LISTEN": "127.0.0.1:0",
            "GATEWAY_INTERNAL_TOKENS": TestGateway.token,
            "DATABASE_URL": "sqlite:./data/gateway.sqlite",
        ])
        let up = try await TestGateway.eventually {
            (try? await TestHTTP.request(.GET, "http://127.0.0.1:\(port)/healthz"))?.status == 200
        }
        #expect(up, "healthz never answered: \(child.output)")
        child.signal(SIGTERM)
        #expect(try await child.wait() == 0, "output: \(child.output)")
    }
}
