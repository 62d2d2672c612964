import Ethereum
import Synchronization

/// Fetches the next scan step's blocks while the current step is still being processed, so
/// during catch-up the node's answer and its decoding overlap with receipts, logs and the
/// database write.
///
/// At most one fetch is in flight; it is a single bounded batch request. A prefetched range is
/// used only by a scan of exactly that range, and stale contents are harmless: the scan checks
/// every block's parent hash against what it stored, as for a direct fetch.
final class BlockPrefetcher: Sendable {
    private struct Pending {
        let range: ClosedRange<UInt64>
        /// Which endpoint fetched them: a step uses only blocks from its own endpoint.
        let endpoint: Int
        let task: Task<[Block?], any Error>
    }

    private let pending = Mutex<Pending?>(nil)

    /// The prefetched blocks of exactly `range`, or a direct fetch. A failed prefetch is not an
    /// error here: the direct fetch decides.
    func blocks(_ range: ClosedRange<UInt64>, node: any EthereumNode) async throws -> [Block?] {
        let taken = pending.withLock { state -> Task<[Block?], any Error>? in
            defer { state = nil }
            guard let current = state else { return nil }
            guard current.range == range, current.endpoint == node.endpoint else {
                current.task.cancel()
                return nil
            }
            return current.task
        }
        if let taken, let blocks = try? await taken.value { return blocks }
        return try await node.blocks(Array(range))
    }

    /// Starts fetching `range` in the background (replacing any other prefetch).
    func prefetch(_ range: ClosedRange<UInt64>, node: any EthereumNode) {
        let task = Task { try await node.blocks(Array(range)) }
        pending.withLock { state in
            state?.task.cancel()
            state = Pending(range: range, endpoint: node.endpoint, task: task)
        }
    }
}
