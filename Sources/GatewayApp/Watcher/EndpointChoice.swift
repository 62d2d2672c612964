import Synchronization

/// Which endpoint the watcher's steps use.
final class EndpointChoice: Sendable {
    private let index = Mutex(0)
    var current: Int { index.withLock { $0 } }
    /// Moves on, unless another step already did.
    func failed(from endpoint: Int) { index.withLock { if $0 == endpoint { $0 += 1 } } }
}
