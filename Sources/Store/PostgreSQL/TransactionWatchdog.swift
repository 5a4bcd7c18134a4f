import Synchronization

/// One timer for every transaction of a database in flight, rather than a task of its own for each: every half second
/// it looks at each, and gives up on one that waits for a connection, or for a statement's answer, too long (the rules
/// are `PostgresDatabase.withLease`'s). Asking whether the database answers takes a connection attempt: that runs apart,
/// so that one transaction's question does not hold up the look at the others.
final class TransactionWatchdog: Sendable {
    /// A transaction watched: how to see where it is and how to give up on it.
    final class Watch: Sendable {
        let started: ContinuousClock.Instant
        let lease: Lease
        /// Cancels the transaction's task and answers its caller with `error`.
        let giveUp: @Sendable (_ error: StoreError) -> Void
        fileprivate let asking = Mutex(false)

        init(lease: Lease, giveUp: @escaping @Sendable (StoreError) -> Void) {
            self.started = .now
            self.lease = lease
            self.giveUp = giveUp
        }
    }

    /// What the watchdog needs to judge a wait.
    struct Limits: Sendable {
        let leaseTimeout: Duration
        let leaseLimit: Duration
        let statementTimeout: Duration
        let interval: Duration
    }

    private let watches = Mutex<[ObjectIdentifier: Watch]>([:])
    private let ticker = Mutex<Task<Void, Never>?>(nil)
    private let limits: Limits
    private let progress: Progress
    private let reachability: Reachability

    init(limits: Limits, progress: Progress, reachability: Reachability) {
        self.limits = limits
        self.progress = progress
        self.reachability = reachability
    }

    /// Watches `watch` until `forget` is called for it; the first watch starts the timer.
    func watch(_ watch: Watch) {
        watches.withLock { $0[ObjectIdentifier(watch)] = watch }
        ticker.withLock { ticker in
            guard ticker == nil else { return }
            ticker = Task { [weak self, interval = limits.interval] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self else { return }
                    self.look()
                }
            }
        }
    }

    func forget(_ watch: Watch) {
        _ = watches.withLock { $0.removeValue(forKey: ObjectIdentifier(watch)) }
    }

    /// Stops the timer; transactions still in flight are no longer watched.
    func stop() {
        ticker.withLock { $0?.cancel() }
    }

    deinit {
        ticker.withLock { $0?.cancel() }
    }

    private func look() {
        let now = ContinuousClock.now
        for watch in watches.withLock({ Array($0.values) }) {
            let lease = watch.lease
            if !lease.wasLeased {
                let waited = now - watch.started
                guard waited > limits.leaseTimeout, now - progress.last > limits.leaseTimeout || waited > limits.leaseLimit else { continue }
                ask(watch) { [limits, reachability] in
                    if waited <= limits.leaseLimit, await reachability.answers() { return }
                    guard !lease.wasLeased else { return }
                    watch.giveUp(.unavailable("no connection to PostgreSQL within \(waited)"))
                }
            } else if let deadline = lease.deadline, now > deadline {
                ask(watch) { [limits, reachability] in
                    if now < deadline + limits.statementTimeout, lease.holdsOpenConnection, await reachability.answers() { return }
                    guard lease.deadline == deadline else { return }
                    lease.abandon()
                    watch.giveUp(.unavailable("PostgreSQL did not answer a statement in time"))
                }
            }
        }
    }

    /// Runs `decide` for `watch` apart from the timer, one at a time per watch.
    private func ask(_ watch: Watch, _ decide: @escaping @Sendable () async -> Void) {
        guard watch.asking.withLock({ asking in defer { asking = true }; return !asking }) else { return }
        Task {
            await decide()
            watch.asking.withLock { $0 = false }
        }
    }
}
