import Synchronization

/// The ports the listeners actually bound (port 0 in configuration means "any free port"),
/// learned once each server runs. The embedded wallet client and tests read them.
public final class BoundAddresses: Sendable {
    private let state = Mutex<(public: Int?, internal: Int?)>((nil, nil))

    public init() {}

    public var publicPort: Int? { state.withLock { $0.public } }
    public var internalPort: Int? { state.withLock { $0.internal } }

    func setPublic(_ port: Int?) { state.withLock { $0.public = port } }
    func setInternal(_ port: Int?) { state.withLock { $0.internal = port } }

    /// Waits until both listeners are up, polling briefly; for tests and startup logs.
    public func waitUntilListening(timeout: Duration = .seconds(30)) async throws -> (public: Int, internal: Int) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let publicPort, let internalPort { return (publicPort, internalPort) }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ListenTimeout()
    }

    struct ListenTimeout: Error, CustomStringConvertible {
        var description: String { "listeners did not start in time" }
    }
}
