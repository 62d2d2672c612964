import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Testing

/// schemathesis fuzzes a running gateway against api/openapi.json, authenticated, on both
/// backends, with card top-ups going to the Stripe API stand-in: no server error, every answer
/// as documented, every secured route refusing a missing token. `CONTRACT_FUZZ_EXAMPLES` sets
/// the examples per operation (CI: 25); `CONTRACT_FUZZ_SEED` replays a run.
@Suite("The API contract, fuzzed", .serialized)
struct ContractFuzzTests {
    static let python = ProcessInfo.processInfo.environment["GATEWAY_PYTHON"]
    static let examples = ProcessInfo.processInfo.environment["CONTRACT_FUZZ_EXAMPLES"].flatMap(Int.init) ?? 25

    static var schemathesis: String? {
        guard let python else { return nil }
        let path = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("schemathesis").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    @Test(.enabled(if: ChildProcess.heavyTestsEnabled, "GATEWAY_HEAVY_TESTS=1 runs it (scripts/test.sh does, in a pass of its own)"),
          .enabled(if: schemathesis != nil, "schemathesis is not in the project venv (GATEWAY_PYTHON)"), arguments: TestBackend.available)
    func schemathesisFindsNothing(backend: TestBackend) async throws {
        let stripe = try await FakeStripeAPI.start()
        let gw = try await TestGateway.start(backend: backend, environment: [
            "WALLET_CURRENCIES": "USD,EUR", "STRIPE_API_BASE": stripe.baseURL, "STRIPE_API_KEY": FakeStripeAPI.key,
            "ETH_XPUB": DepositAddressTests.abandonXpub, "TRON_XPUB": DepositAddressTests.abandonTronXpub,
        ], parts: [.internalHTTP])
        defer { Task { await gw.stop(); await stripe.stop() } }
        // The document's examples name these, so the fuzzer reaches past "no such account".
        try await gw.createAccount("alice")
        try await gw.createAccount("eve", currency: "EUR")
        let seed = ProcessInfo.processInfo.environment["CONTRACT_FUZZ_SEED"].flatMap(Int.init) ?? Int.random(in: 1...1_000_000)
        let root = OpenAPITests.root
        let arguments = [
            "run", root.appendingPathComponent("api/openapi.json").path, "--url", gw.internalURL,
            "-H", "Authorization: Bearer \(TestGateway.token)",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth,missing_required_header",
            "--max-examples", "\(Self.examples)", "--seed", "\(seed)", "--request-timeout", "10", "--workers", "1",
            "--no-color",
            // One worker: CPython 3.11's ast.parse is not safe across the threads hypothesis uses
            // to describe filters ("AST constructor recursion depth mismatch").
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["SCHEMATHESIS_HOOKS"] = nil
        environment["HYPOTHESIS_STORAGE_DIRECTORY"] = FileManager.default.temporaryDirectory.appendingPathComponent("hypothesis-\(seed)").path
        let (status, output) = try await ChildProcess.run(
            try #require(Self.schemathesis), arguments, environment: environment, directory: FileManager.default.temporaryDirectory
        )
        let summary = output.split(separator: "\n").filter { $0.contains("passed") || $0.contains("failed") || $0.contains("generated") || $0.contains("Test cases") || $0.contains("API probing") }
        print("contract-fuzz: backend=\(backend) seed=\(seed) (CONTRACT_FUZZ_SEED=\(seed) replays it) examples/operation=\(Self.examples)")
        for line in summary.suffix(6) { print("contract-fuzz: \(line)") }
        #expect(status == 0, "schemathesis seed=\(seed):\n\(output.suffix(12_000))")
    }
}
