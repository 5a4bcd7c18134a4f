import Logging
import PostgresNIO
import Synchronization

/// Whether PostgreSQL accepts a new connection now: what tells an outage from a pool that is only busy, or from a
/// process so short of CPU that every timer fires late. One attempt at a time however many transactions ask, and its
/// answer holds for `validity`.
final class Reachability: Sendable {
    private struct State {
        var attempt: Task<Bool, Never>?
        var answer: (reachable: Bool, at: ContinuousClock.Instant)?
    }

    private let state = Mutex(State())
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let timeout: Duration
    private let validity: Duration

    init(configuration: PostgresConnection.Configuration, logger: Logger, timeout: Duration = .seconds(3), validity: Duration = .seconds(1)) {
        self.configuration = configuration
        self.logger = logger
        self.timeout = timeout
        self.validity = validity
    }

    /// True when a new connection was made within `timeout` (now, or less than `validity` ago).
    func answers() async -> Bool {
        let (configuration, logger, timeout) = (self.configuration, self.logger, self.timeout)
        enum Known { case answer(Bool), attempt(Task<Bool, Never>) }
        let known = state.withLock { state -> Known in
            if let answer = state.answer, ContinuousClock.now - answer.at < validity { return .answer(answer.reachable) }
            if let attempt = state.attempt { return .attempt(attempt) }
            let attempt = Task {
                let reachable = await Self.connects(configuration: configuration, logger: logger, within: timeout)
                self.state.withLock { state in
                    state.answer = (reachable, .now)
                    state.attempt = nil
                }
                return reachable
            }
            state.attempt = attempt
            return .attempt(attempt)
        }
        switch known {
        case .answer(let reachable): return reachable
        case .attempt(let attempt): return await attempt.value
        }
    }

    private static func connects(configuration: PostgresConnection.Configuration, logger: Logger, within timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                    try? await connection.close()
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
