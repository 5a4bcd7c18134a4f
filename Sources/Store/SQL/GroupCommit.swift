import Synchronization

/// Group commit: small writes that arrive while another transaction runs wait for it, then commit together in one
/// transaction and one fsync. Each of several runs in its own savepoint, so one that fails is undone alone and reported
/// to its caller only. Every caller returns once its write is durable.
final class GroupCommit: Sendable {
    private typealias Body = @Sendable (any SQLExecutor) async throws -> any Sendable
    private typealias Waiter = CheckedContinuation<any Sendable, any Error>

    private struct State {
        var pending: [(body: Body, waiter: Waiter)] = []
        var draining = false
    }

    private let database: any SQLDatabase
    private let state = Mutex(State())

    /// Writes per transaction at most: a batch is one transaction, held briefly.
    static let batchLimit = 256

    init(database: any SQLDatabase) {
        self.database = database
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (waiter: Waiter) in
            let startDrain = state.withLock { state in
                state.pending.append((body: { executor in try await body(executor) }, waiter: waiter))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if startDrain {
                Task { await self.drain() }
            }
        }
        guard let typed = value as? T else { fatalError("group commit returned \(type(of: value)) for \(T.self)") }
        return typed
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state in
                let batch = Array(state.pending.prefix(Self.batchLimit))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let outcomes = try await database.write { executor in
                    // A write alone needs no savepoint: if it fails, its transaction holds nothing else to keep.
                    if batch.count == 1 { return [Result<any Sendable, any Error>.success(try await batch[0].body(executor))] }
                    var outcomes: [Result<any Sendable, any Error>] = []
                    outcomes.reserveCapacity(batch.count)
                    for item in batch {
                        try await executor.execute("SAVEPOINT grouped_write")
                        do {
                            let value = try await item.body(executor)
                            try await executor.execute("RELEASE grouped_write")
                            outcomes.append(.success(value))
                        } catch {
                            try await executor.execute("ROLLBACK TO grouped_write")
                            try await executor.execute("RELEASE grouped_write")
                            outcomes.append(.failure(error))
                        }
                    }
                    return outcomes
                }
                for (item, outcome) in zip(batch, outcomes) { item.waiter.resume(with: outcome) }
            } catch {
                // The commit itself failed: nothing of the batch is stored.
                for item in batch { item.waiter.resume(throwing: error) }
            }
        }
    }
}
