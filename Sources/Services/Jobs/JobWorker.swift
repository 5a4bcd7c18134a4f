import Foundation
import KeywardCore
import Logging
import Store
import Synchronization

/// Runs one host's jobs. It claims them from the store under a lease (any number of servers may share the database;
/// only this host's jobs are claimed), renews the lease while a job runs, and settles the job when it ends. A worker that
/// dies leaves its lease to expire; the next claim runs the job again, and job runners are written to reach the same end
/// when run twice.
public final class JobWorker: Sendable {
    public typealias Runner = @Sendable (Job) async throws -> Void
    /// Settles what a job was about (its instance, its activity) as failed, when the job's runs all ended without
    /// finishing (their worker died each time): the job is not run again.
    public typealias Abandon = @Sendable (Job, _ reason: String) async -> Void

    private struct State {
        var loop: Task<Void, Never>?
        var stopping = false
        /// Jobs running now.
        var active = 0
    }

    private let store: any Store
    public let hostID: String
    /// This process's name on the leases it holds.
    public let workerID: String
    private let logger: Logger
    private let lease: Duration
    private let concurrency: Int
    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wakeup: AsyncStream<Void>.Continuation

    /// A job run this many times without settling (its worker died each time) fails instead of running again.
    public static let attemptLimit = 5
    /// How long a settled job is kept (a launch's caller reads its outcome), before the worker forgets it.
    public static let settledRetention: TimeInterval = 24 * 3600
    /// A running worker records its heartbeat this often; one older than `heartbeatExpiry` is a server that stopped.
    public static let heartbeatInterval = 5
    public static let heartbeatExpiry: TimeInterval = 20

    public init(store: any Store, hostID: String, logger: Logger, lease: Duration = .seconds(30), concurrency: Int = 8) {
        self.store = store
        self.hostID = hostID
        self.workerID = hostID + "/" + UUID().uuidString.lowercased()
        self.logger = logger
        self.lease = lease
        self.concurrency = concurrency
        (wakeups, wakeup) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Whether `start` was called: a worker that is not running leaves jobs to `runQueued`.
    public var isRunning: Bool { state.withLock { $0.loop != nil && !$0.stopping } }

    /// Starts claiming and running jobs with `runner` until `stop`. The jobs this host's earlier run held (its own and
    /// any host's) are claimed at once: that run is dead, as one process holds a host's data directory. Jobs queued by
    /// other servers and leases that expire later are found by polling once a second.
    public func start(_ runner: @escaping Runner, abandon: @escaping Abandon) async {
        let (hostID, workerID) = (self.hostID, self.workerID)
        do {
            let released = try await store.write { tx in try await tx.releaseJobLeases(hostID: hostID, leasedBefore: workerID) }
            if released > 0 { logger.info("jobs of the previous run taken over", metadata: ["count": "\(released)"]) }
        } catch {
            logger.warning("jobs of the previous run not taken over now (their leases expire)", metadata: ["error": "\(error)"])
        }
        state.withLock { state in
            guard state.loop == nil else { return }
            state.loop = Task { await self.loop(runner, abandon) }
        }
        wake()
    }

    /// Says that a job may be ready, so that it is claimed now rather than at the next poll.
    public func wake() {
        wakeup.yield()
    }

    /// Stops claiming; jobs running now finish (or are cut short by the process ending, and run again at the next start).
    public func stop() async {
        let loop = state.withLock { state -> Task<Void, Never>? in
            state.stopping = true
            return state.loop
        }
        wakeup.finish()
        await loop?.value
        let (hostID, workerID) = (self.hostID, self.workerID)
        try? await store.write { tx in try await tx.deleteHeartbeat(hostID: hostID, worker: workerID) }
    }

    private func recordHeartbeat() async {
        let (hostID, workerID) = (self.hostID, self.workerID)
        do {
            try await store.write { tx in try await tx.recordHeartbeat(hostID: hostID, worker: workerID, at: Date()) }
        } catch {
            logger.warning("heartbeat not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// Claims and runs this host's ready jobs one after the other, in the caller's task, until none is left (for a
    /// server whose worker is not running: tests and tools).
    public func runQueued(_ runner: Runner, abandon: Abandon) async {
        while let job = await claim() {
            await execute(job, runner, abandon)
        }
    }

    private func loop(_ runner: @escaping Runner, _ abandon: @escaping Abandon) async {
        await withDiscardingTaskGroup { group in
            group.addTask { [weak self] in
                var polls = 0
                while let self, !self.state.withLock({ $0.stopping }) {
                    if polls % 3600 == 0 { await self.purgeSettled() }
                    if polls % Self.heartbeatInterval == 0 { await self.recordHeartbeat() }
                    polls += 1
                    try? await Task.sleep(for: .seconds(1))
                    self.wake()
                }
            }
            for await _ in wakeups {
                while state.withLock({ $0.active < concurrency && !$0.stopping }) {
                    guard let job = await claim() else { break }
                    state.withLock { $0.active += 1 }
                    group.addTask {
                        await self.execute(job, runner, abandon)
                        self.state.withLock { $0.active -= 1 }
                        self.wake()
                    }
                }
            }
        }
    }

    /// Forgets the jobs settled more than `settledRetention` before `now` (a running worker does it once an hour).
    public func purgeSettled(now: Date = Date()) async {
        let before = now.addingTimeInterval(-Self.settledRetention)
        do {
            try await store.write { tx in try await tx.purgeSettledJobs(before: before) }
        } catch {
            logger.warning("settled jobs not purged", metadata: ["error": "\(error)"])
        }
    }

    private func claim() async -> Job? {
        let (hostID, workerID) = (self.hostID, self.workerID)
        let now = Date()
        let until = now.addingTimeInterval(lease.seconds)
        do {
            return try await store.write { tx in try await tx.claimJob(hostID: hostID, worker: workerID, now: now, leaseUntil: until) }
        } catch {
            logger.warning("jobs could not be claimed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func execute(_ job: Job, _ runner: Runner, _ abandon: Abandon) async {
        let (store, workerID, lease, logger) = (self.store, self.workerID, self.lease, self.logger)
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: lease / 3)
                if Task.isCancelled { return }
                let until = Date().addingTimeInterval(lease.seconds)
                let held = try? await store.write { tx in try await tx.renewJobLease(id: job.id, worker: workerID, until: until) }
                if held == false {
                    logger.warning("job lease lost", metadata: ["job": "\(job.id)"])
                    return
                }
            }
        }
        defer { renewal.cancel() }
        let outcome: (state: Job.State, error: String?)
        if job.attempts > Self.attemptLimit {
            let reason = "gave up after \(Self.attemptLimit) attempts that did not finish"
            await abandon(job, reason)
            outcome = (.failed, reason)
        } else {
            do {
                try await runner(job)
                outcome = (.done, nil)
            } catch {
                outcome = (.failed, String(describing: error))
            }
        }
        do {
            let settled = try await store.write { tx in
                try await tx.finishJob(id: job.id, worker: workerID, state: outcome.state, error: outcome.error, at: Date())
            }
            if !settled { logger.warning("job finished after its lease passed to another worker", metadata: ["job": "\(job.id)"]) }
        } catch {
            // The lease expires and the job runs again: runners reach the same end twice.
            logger.error("job outcome not recorded", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
