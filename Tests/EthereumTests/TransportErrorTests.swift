import Ethereum
import Testing

/// Providers put API keys in the URL's host (`https://<key>.provider.example`); a failed
/// request's text reaches logs and reports, so it must not carry the endpoint.
@Suite("Transport errors leave the endpoint out")
struct TransportErrorTests {
    @Test(arguments: [
        "http://localhost:1/",                                  // refused
        "http://secret-key-0123456789.invalid:8545/v3/abcdef",  // no such name (RFC 6761)
    ])
    func theErrorTextNamesTheFailureNotTheHost(url: String) async throws {
        let client = JSONRPCClient(endpoints: [url], timeoutMillis: 2_000, maxAttempts: 1, backoffBaseMillis: 1)
        let error = await #expect(throws: RPCError.self) { _ = try await JSONRPCNode(client: client).blockNumber() }
        let text = "\(error.map { String(describing: $0) } ?? "")"
        #expect(!text.isEmpty)
        for secret in ["localhost", "secret-key", ":1", "8545", "abcdef"] {
            #expect(!text.contains(secret), "\(text)")
        }
    }
}
