import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A Hummingbird server on a kernel-chosen loopback port, for the stand-ins of services that
/// cannot run here (cex.io, Stripe's API).
public final class LocalHTTPServer: Sendable {
    private let task: Task<Void, any Error>
    private let group: ServiceGroup
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts serving `router`; `name` labels the logger and the startup error.
    public static func start(router: Router<BasicRequestContext>, name: String) async throws -> LocalHTTPServer {
        let bound = Mutex<Int?>(nil)
        var logger = Logger(label: name)
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in bound.withLock { $0 = channel.localAddress?.port } }, logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        // Generous: at the start of a parallel test run many servers and devnets boot at once.
        let deadline = ContinuousClock.now + .seconds(60)
        while bound.withLock({ $0 }) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        guard let port = bound.withLock({ $0 }) else {
            await group.triggerGracefulShutdown()
            throw TestSetupError("\(name) did not start")
        }
        return LocalHTTPServer(task: task, group: group, port: port)
    }

    private init(task: Task<Void, any Error>, group: ServiceGroup, port: Int) {
        self.task = task
        self.group = group
        self.port = port
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
