import AsyncHTTPClient
import Foundation
import GatewayApp
import GatewayCore
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Store

/// A gateway running in this process on loopback ports chosen by the kernel, on one backend.
/// Built with the same builders `gateway run` uses.
public final class TestGateway: Sendable {
    public static let token = "test-internal-token-0123456789"

    public let gateway: Gateway
    public let group: ServiceGroup
    private let runTask: Task<Void, any Error>
    public let internalPort: Int
    public let publicPort: Int

    public var internalURL: String { "http://127.0.0.1:\(internalPort)" }
    public var publicURL: String { "http://127.0.0.1:\(publicPort)" }

    /// - Parameters:
    ///   - environment: extra configuration, as environment variables.
    ///   - extraInternalRoutes: test-only routes (e.g. a slow one for shutdown tests).
    public static func start(
        backend: TestBackend,
        location: DatabaseLocation? = nil,
        environment: [String: String] = [:],
        parts: Gateway.Parts = .all,
        clock: WallClock = .system,
        extraInternalRoutes: (@Sendable (Router<BasicRequestContext>) -> Void)? = nil
    ) async throws -> TestGateway {
        let location = if let location { location } else { try await backend.freshLocation() }
        var env: [String: String] = [
            "DATABASE_URL": TestBackend.databaseURL(location),
            "GATEWAY_PUBLIC_LISTEN": "127.0.0.1:0",
            "GATEWAY_INTERNAL_LISTEN": "127.0.0.1:0",
            "GATEWAY_INTERNAL_TOKENS": token,
            "OUTBOX_POLL_INTERVAL_MS": "20",
            "OUTBOX_BACKOFF_BASE_MS": "20",
            "OUTBOX_BACKOFF_MAX_MS": "200",
            "OUTBOX_REQUEST_TIMEOUT_MS": "2000",
        ]
        // scripts/test.sh runs the Stripe and wallet suites again with bodies run twice.
        if let twice = ProcessInfo.processInfo.environment["STORE_RUN_BODIES_TWICE"] { env["STORE_RUN_BODIES_TWICE"] = twice }
        env.merge(environment) { _, new in new }
        let (config, _) = try GatewayConfig.load(environment: env)
        var logger = Logger(label: "test-gateway")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        let gateway = try await Gateway.open(config: config, logger: logger, clock: clock)
        let group = gateway.makeServiceGroup(parts, extraInternalRoutes: extraInternalRoutes)
        let task = Task { try await group.run() }
        var ports = (public: 0, internal: 0)
        if parts.contains(.internalHTTP) || parts.contains(.publicHTTP) {
            // Generous: at the start of a parallel test run many servers boot at once.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if (!parts.contains(.publicHTTP) || gateway.addresses.publicPort != nil),
                   (!parts.contains(.internalHTTP) || gateway.addresses.internalPort != nil) { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            ports = (gateway.addresses.publicPort ?? 0, gateway.addresses.internalPort ?? 0)
        }
        return TestGateway(gateway: gateway, group: group, runTask: task, publicPort: ports.public, internalPort: ports.internal)
    }

    private init(gateway: Gateway, group: ServiceGroup, runTask: Task<Void, any Error>, publicPort: Int, internalPort: Int) {
        self.gateway = gateway
        self.group = group
        self.runTask = runTask
        self.publicPort = publicPort
        self.internalPort = internalPort
    }

    /// Graceful shutdown, then close the store.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await runTask.value
        await gateway.close()
    }

    /// Waits for the service group to end (after a graceful shutdown).
    public func waitUntilStopped() async throws {
        try await runTask.value
    }

    // MARK: HTTP helpers

    public func request(
        _ method: NIOHTTP1.HTTPMethod, _ path: String, body: String? = nil, headers: [String: String] = [:],
        token: String? = TestGateway.token, onPublic: Bool = false
    ) async throws -> TestResponse {
        try await TestHTTP.request(method, (onPublic ? publicURL : internalURL) + path, body: body, headers: headers, token: token)
    }

    public func createAccount(_ id: String, currency: String = "USD") async throws {
        let response = try await request(.POST, "/v1/accounts", body: #"{"id":"\#(id)","currency":"\#(currency)"}"#)
        guard response.status == 201 || response.status == 200 else {
            throw TestSetupError("creating account \(id) answered \(response.status): \(response.text)")
        }
    }

    public func balance(_ id: String) async throws -> Int64? {
        try await gateway.wallet.account(try AccountID(id))?.balance.minor
    }

    /// Polls until `condition` holds or the timeout passes; returns whether it held.
    public static func eventually(
        timeout: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return try await condition()
    }
}

public struct TestResponse: Sendable {
    public let status: UInt
    public let body: [UInt8]
    public var headerFields: [(name: String, value: String)] = []
    public var text: String { String(decoding: body, as: UTF8.self) }
    public var json: JSONValue? { try? JSONValue.parse(body) }

    public init(status: UInt, body: [UInt8], headerFields: [(name: String, value: String)] = []) {
        self.status = status
        self.body = body
        self.headerFields = headerFields
    }

    public func header(_ name: String) -> String? { headers(named: name).first }
    public func headers(named name: String) -> [String] {
        headerFields.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
    /// The cookies `Set-Cookie` sets (name → value; an emptied one as "").
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for line in headers(named: "Set-Cookie") {
            let pair = line.split(separator: ";", maxSplits: 1).first ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, !parts[1].isEmpty { cookies[String(parts[0])] = String(parts[1]) }
        }
        return cookies
    }
}

public enum TestHTTP {
    /// Real HTTP over loopback through async-http-client.
    public static func request(
        _ method: NIOHTTP1.HTTPMethod, _ url: String, body: String? = nil, headers: [String: String] = [:], token: String? = nil
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return TestResponse(
            status: response.status.code, body: Array(bytes.readableBytesView), headerFields: response.headers.map { ($0.name, $0.value) }
        )
    }

    /// Redirects are answers to look at (the console's 303s), never followed. Lives as long as
    /// the test process, so it is never shut down.
    /// Otherwise as `HTTPClient.shared` (its generous pool and timeouts: tests send hundreds of
    /// requests at once).
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
