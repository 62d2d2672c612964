import Synchronization

/// Group commit for the single SQLite connection: transactions that arrive while one is being
/// written wait, then run together inside one `BEGIN IMMEDIATE … COMMIT`. One fsync then makes
/// a whole group durable, instead of one per transaction.
///
/// Each caller still gets exactly its own outcome. A group first runs optimistically, without
/// savepoints (bodies rarely throw, and two statements per member are a large share of a
/// webhook's work). If a body throws, the group is rolled back, that caller gets its error,
/// and the other members run again, this time each in its own savepoint so one more failure
/// cannot cost another pass. Bodies only read and write the store, so running one again is
/// the same as a retried transaction. Every caller resumes only after the group's COMMIT
/// returned, so "returned" still means "durable"; a failed COMMIT fails every member.
final class GroupCommit: Sendable {
    /// Transactions per group. Bounds how long one group holds the write lock, and so the
    /// wait of the first member, while leaving room for the concurrency of a webhook burst.
    static let maxGroup = 128

    struct Job: Sendable {
        /// Runs the body; false when it threw (its savepoint is rolled back).
        let run: @Sendable (any SQLExecutor) async -> Bool
        /// Called once with the group's commit error, if any.
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var queue: [Job] = []
        var leading = false
    }

    private let state = Mutex(State())
    private let execute: @Sendable (String) async throws -> Void
    private let executor: any SQLExecutor

    /// - Parameters:
    ///   - execute: runs one statement without binds (BEGIN, SAVEPOINT, COMMIT…).
    ///   - executor: what bodies run their statements through.
    init(execute: @escaping @Sendable (String) async throws -> Void, executor: any SQLExecutor) {
        self.execute = execute
        self.executor = executor
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        // The body never outlives this call: we return only after the leader has run it and
        // the group has committed.
        try await withoutActuallyEscaping(body) { body in
            let outcome = ResultBox<T>()
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let job = Job(
                    run: { db in
                        do {
                            outcome.set(.success(try await body(db)))
                            return true
                        } catch {
                            outcome.set(.failure(error))
                            return false
                        }
                    },
                    finish: { commitError in
                        switch (outcome.get(), commitError) {
                        case (.success?, let error?): continuation.resume(throwing: error)
                        case (let result?, _): continuation.resume(with: result)
                        case (nil, let error): continuation.resume(throwing: error ?? StoreError.unavailable("transaction did not run"))
                        }
                    }
                )
                let lead = state.withLock { state -> Bool in
                    state.queue.append(job)
                    guard !state.leading else { return false }
                    state.leading = true
                    return true
                }
                if lead { Task { await self.drain() } }
            }
        }
    }

    /// Runs groups until the queue is empty.
    private func drain() async {
        while true {
            var group = state.withLock { state -> [Job] in
                let group = Array(state.queue.prefix(Self.maxGroup))
                state.queue.removeFirst(group.count)
                if group.isEmpty { state.leading = false }
                return group
            }
            guard !group.isEmpty else { return }
            var finishes = group.map(\.finish)
            var error: (any Error)?
            switch await runGroup(group, savepoints: false) {
            case .committed:
                break
            case .aborted(let groupError):
                error = groupError
            case .failed(let index):
                // The failed member's outcome holds its error (released before it resumes);
                // the others run again.
                group.remove(at: index)
                finishes.remove(at: index)(nil)
                if case .aborted(let groupError) = await runGroup(group, savepoints: true) { error = groupError }
            }
            // Each body must be released before its caller resumes: the caller's
            // `withoutActuallyEscaping` checks that nothing kept it.
            group.removeAll()
            for finish in finishes { finish(error) }
        }
    }

    enum GroupResult {
        case committed
        /// Optimistic mode: this member threw; the group was rolled back.
        case failed(index: Int)
        /// BEGIN, a savepoint or COMMIT failed: nothing of the group stands.
        case aborted(any Error)
    }

    /// One BEGIN … COMMIT around the group.
    private func runGroup(_ group: [Job], savepoints: Bool) async -> GroupResult {
        guard !group.isEmpty else { return .committed }
        do {
            try await execute("BEGIN IMMEDIATE")
        } catch {
            return .aborted(error)
        }
        do {
            for (index, job) in group.enumerated() {
                if savepoints { try await execute("SAVEPOINT member") }
                let succeeded = await job.run(executor)
                if savepoints {
                    if !succeeded { try await execute("ROLLBACK TO member") }
                    try await execute("RELEASE member")
                } else if !succeeded {
                    try? await execute("ROLLBACK")
                    return .failed(index: index)
                }
            }
            try await execute("COMMIT")
            return .committed
        } catch {
            try? await execute("ROLLBACK")
            return .aborted(error)
        }
    }
}

/// A result written by the leader's task and read after the continuation resumes.
private final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, any Error>?>(nil)
    func set(_ result: Result<T, any Error>) { value.withLock { $0 = result } }
    func get() -> Result<T, any Error>? { value.withLock { $0 } }
}
