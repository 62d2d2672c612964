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

    /// With the Ethereum node unreachable the watcher keeps trying; SIGTERM still stops the
    /// process at once, with exit 0 and no error lines.
    @Test func sigtermWithTheNodeUnreachableStopsAtOnceAndCleanly() async throws {
        let port = try GatewayProcess.freePort()
        let deadNode = try GatewayProcess.freePort()
        let child = try GatewayProcess(arguments: ["run"], environment: [
            "GATEWAY_INTERNAL_LISTEN": "127.0.0.1:\(port)", "GATEWAY_PUBLIC_LISTEN": "127.0.0.1:0",
            "GATEWAY_INTERNAL_TOKENS": TestGateway.token, "DATABASE_URL": "sqlite:./data/gateway.sqlite",
            "ETH_XPUB": DepositAddressTests.abandonXpub, "ETH_RPC_URL": "http://127.0.0.1:\(deadNode)/",
            "USDT_USD_POLICY": "peg", "CEXIO_BASE_URL": "http://127.0.0.1:\(deadNode)/", "LOG_LEVEL": "info",
        ])
        let up = try await TestGateway.eventually {
            (try? await TestHTTP.request(.GET, "http://127.0.0.1:\(port)/healthz"))?.status == 200
        }
        #expect(up, "healthz never answered: \(child.output)")
        try await Task.sleep(for: .seconds(1))  // the watcher is retrying the node by now
        let stopping = ContinuousClock.now
        child.signal(SIGTERM)
        #expect(try await child.wait() == 0, "output: \(child.output)")
        let took = ContinuousClock.now - stopping
        print("figure: stop with the node unreachable took \(took)")
        #expect(took < .seconds(3), "stopping took \(took)")
        let errors = child.output.split(separator: "\n").filter { $0.contains(" error ") || $0.contains("Error:") }
        #expect(errors.isEmpty, "error lines while stopping:\n\(errors.joined(separator: "\n"))")
    }
}
