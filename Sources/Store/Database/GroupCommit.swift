import Synchronization

/// Group commit for the single SQLite connection: transactions that arrive while one is being
/// written wait, then run together inside one `BEGIN IMMEDIATE … COMMIT`, each in its own
/// savepoint. One fsync then makes a whole group durable, instead of one per transaction.
///
/// Each caller still gets exactly its own outcome: a body that throws is rolled back to its
/// savepoint and only that caller sees the error; the others commit. Every caller resumes
/// only after the group's COMMIT returned, so "returned" still means "durable". A failed
/// COMMIT fails every member of the group.
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
            let finishes = group.map(\.finish)
            let error = await runGroup(group)
            // Each body must be released before its caller resumes: the caller's
            // `withoutActuallyEscaping` checks that nothing kept it.
            group.removeAll()
            for finish in finishes { finish(error) }
        }
    }

    /// One BEGIN … COMMIT around the group; returns the error that failed the whole group.
    private func runGroup(_ group: [Job]) async -> (any Error)? {
        do {
            try await execute("BEGIN IMMEDIATE")
        } catch {
            return error
        }
        do {
            for job in group {
                try await execute("SAVEPOINT member")
                if await job.run(executor) {
                    try await execute("RELEASE member")
                } else {
                    try await execute("ROLLBACK TO member")
                    try await execute("RELEASE member")
                }
            }
            try await execute("COMMIT")
            return nil
        } catch {
            // A savepoint or the commit itself failed: nothing of the group may stand.
            try? await execute("ROLLBACK")
            return error
        }
    }
}

/// A result written by the leader's task and read after the continuation resumes.
private final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, any Error>?>(nil)
    func set(_ result: Result<T, any Error>) { value.withLock { $0 = result } }
    func get() -> Result<T, any Error>? { value.withLock { $0 } }
}
