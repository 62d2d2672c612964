import GatewayTestSupport
import Testing

@Suite("Internal API authentication")
struct InternalAuthTests {
    @Test func bearerTokenIsRequiredExceptForHealthz() async throws {
        let gateway = try await TestGateway.start(backend: .sqlite)
        defer { Task { await gateway.stop() } }

        #expect(try await gateway.request(.GET, "/healthz", token: nil).status == 200)

        let missing = try await gateway.request(.GET, "/readyz", token: nil)
        #expect(missing.status == 401)
        #expect(missing.json?["error"]?["code"]?.stringValue == "unauthorized")

        #expect(try await gateway.request(.GET, "/readyz", token: "wrong-token-wrong-token").status == 401)
        // A prefix of the real token is not the token.
        #expect(try await gateway.request(.GET, "/readyz", token: String(TestGateway.token.dropLast())).status == 401)
        #expect(try await gateway.request(.GET, "/readyz", headers: ["Authorization": "Basic abc"], token: nil).status == 401)

        #expect(try await gateway.request(.GET, "/readyz").status == 200)
        let metrics = try await gateway.request(.GET, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("gateway_outbox_rows"))
    }

    @Test func rotationAcceptsEveryConfiguredToken() async throws {
        let second = "second-token-abcdefghijkl"
        let gateway = try await TestGateway.start(
            backend: .sqlite, environment: ["GATEWAY_INTERNAL_TOKENS": "\(TestGateway.token),\(second)"]
        )
        defer { Task { await gateway.stop() } }
        #expect(try await gateway.request(.GET, "/readyz", token: second).status == 200)
        #expect(try await gateway.request(.GET, "/readyz").status == 200)
    }
}
