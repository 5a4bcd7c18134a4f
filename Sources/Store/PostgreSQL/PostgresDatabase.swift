import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// PostgreSQL through a pool of connections, for several Keyward servers sharing one database.
///
/// The `Store` contract is SQLite's: write transactions are serialised (every server takes one transaction-scoped
/// advisory lock before its first statement, so a write sees every write committed before it), and a read sees one
/// consistent snapshot (`REPEATABLE READ READ ONLY`) and runs in parallel with everything else.
public final class PostgresDatabase: SQLDatabase {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    /// How long a transaction waits for a connection, while no other finishes, before the database is asked whether
    /// it is there.
    private let leaseTimeout: Duration
    /// When a transaction last committed: a lease waited for while others finish is a busy pool, not an outage.
    private let progress: Progress
    /// Asked before a wait is taken for an outage: only a database refusing new connections is one.
    private let reachability: Reachability
    /// Gives up on transactions that wait too long (see `withLease`).
    private let watchdog: TransactionWatchdog
    /// How long a statement may go unanswered (the advisory lock excepted: `lockWait`).
    static let statementTimeout: Duration = .seconds(4)
    /// How long a write waits for the other servers' writes.
    static let lockWait: Duration = .seconds(30)
    /// How long a lease is waited for at most, however busy the pool.
    static let leaseLimit: Duration = .seconds(60)

    /// The advisory lock key that serialises writers of every server on the database ("keyward" in ASCII).
    static let writeLockKey: Int64 = 0x6B65_7977_6172_64

    private init(client: PostgresClient, reachability: Reachability, logger: Logger, leaseTimeout: Duration) {
        self.client = client
        self.reachability = reachability
        self.logger = logger
        self.leaseTimeout = leaseTimeout
        let progress = Progress()
        self.progress = progress
        self.watchdog = TransactionWatchdog(
            limits: .init(leaseTimeout: leaseTimeout, leaseLimit: Self.leaseLimit, statementTimeout: Self.statementTimeout, interval: .milliseconds(500)),
            progress: progress, reachability: reachability
        )
        self.runner = Task { await client.run() }
    }

    /// Connects to the database `url` names (see `PostgresURL`); fails with `.unavailable` when it cannot be reached.
    public static func open(url: String, logger: Logger, leaseTimeout: Duration = .seconds(3)) async throws(StoreError) -> PostgresDatabase {
        let parsed: PostgresURL
        var configuration: PostgresClient.Configuration
        let probe: PostgresConnection.Configuration
        do {
            parsed = try PostgresURL(url)
            configuration = try parsed.clientConfiguration()
            // Every wait for a lock, the write lock above all, is bounded for the whole session: set when a connection
            // opens, not by a statement in every write transaction.
            configuration.options.additionalStartupParameters.append(("lock_timeout", "\(Self.lockWait.components.seconds)s"))
            probe = try parsed.connectionConfiguration()
        } catch {
            throw .unavailable("--database: \(error.reason)")
        }
        var background = logger
        // The pool retries lost connections and says so at info: only what it gives up on is worth a line.
        background.logLevel = max(logger.logLevel, .warning)
        let database = PostgresDatabase(client: PostgresClient(configuration: configuration, backgroundLogger: background),
                                        reachability: Reachability(configuration: probe, logger: background), logger: logger,
                                        leaseTimeout: leaseTimeout)
        do {
            if let schema = parsed.schema {
                // The name is checked to be a plain identifier.
                _ = try await database.write { db in try await db.execute("CREATE SCHEMA IF NOT EXISTS \(schema)") }
            } else {
                _ = try await database.read { db in try await db.execute("SELECT 1 AS one") }
            }
        } catch {
            await database.close()
            throw .unavailable("PostgreSQL at \(PostgresURL.redacted(url)): \(Self.describe(error))")
        }
        return database
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", lock: true, body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock: false, body)
    }

    public func close() async {
        watchdog.stop()
        runner.cancel()
        await runner.value
    }

    private func transaction<T: Sendable>(begin: String, lock: Bool, _ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        do {
            let progress = self.progress
            return try await withLease { connection, lease in
                let executor = PostgresExecutor(connection: connection, logger: self.logger, lease: lease)
                try await executor.execute(begin)
                if lock {
                    // Other servers' writes may hold the lock for a while: waited for longer than a statement is (the
                    // session's lock_timeout is `lockWait`).
                    try await executor.execute("SELECT pg_advisory_xact_lock($1)", [.integer(Self.writeLockKey)], deadline: Self.lockWait + .seconds(5))
                }
                do {
                    let result = try await body(executor)
                    try await executor.execute("COMMIT")
                    progress.note()
                    return result
                } catch {
                    _ = try? await executor.execute("ROLLBACK")
                    throw error
                }
            }
        } catch let error as PSQLError {
            throw PostgresExecutor.storeError(error)
        } catch is CancellationError {
            throw StoreError.unavailable("the transaction was given up on")
        }
    }

    /// Leases a connection and runs `body` on it, within bounds, so that an outage is answered `StoreError.unavailable`
    /// in seconds. A wait is taken for an outage only when the database also refuses a new connection
    /// (`Reachability`): a pool that is busy, or a process whose timers all fire late, is waited for.
    /// - A lease not granted within `leaseTimeout` while no transaction has finished for as long, and the database
    ///   refusing a new connection; a lease not granted after `leaseLimit` in any case.
    /// - A statement not answered by its deadline while its connection is closed or the database refuses a new one, or
    ///   one `statementTimeout` past its deadline in any case: a connection the database dropped mid-query can leave a
    ///   query waiting forever.
    /// The caller is answered then and never waits for the transaction given up on: its task is cancelled (its next
    /// statement fails, so it rolls back) and its connection closed.
    private func withLease<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Lease) async throws -> T) async throws -> T {
        let (client, watchdog) = (self.client, self.watchdog)
        let lease = Lease()
        let outcome = Outcome<T>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.await(continuation)
            let work = Task {
                do {
                    let value = try await client.withConnection { connection in
                        lease.hold(connection)
                        defer { lease.release() }
                        return try await body(connection, lease)
                    }
                    outcome.settle(.success(value))
                } catch {
                    // Cancelled by the watchdog: the pool's own cancellation error says nothing the caller can use.
                    outcome.settle(.failure(Task.isCancelled ? StoreError.unavailable("the transaction was given up on") : error))
                }
            }
            let watch = TransactionWatchdog.Watch(lease: lease) { error in
                work.cancel()
                outcome.settle(.failure(error))
            }
            watchdog.watch(watch)
            outcome.onSettled { watchdog.forget(watch) }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError { return PostgresExecutor.storeError(error).message }
        if let error = error as? StoreError { return error.message }
        return String(describing: error)
    }
}

/// A transaction's answer, given once: by the transaction or by the watchdog that gives up on it, whichever comes first.
private final class Outcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var settled = false
        var onSettled: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func await(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func onSettled(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.settled { return true }
            state.onSettled = action
            return false
        }
        if now { action() }
    }

    func settle(_ result: Result<T, any Error>) {
        let (continuation, action) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.settled else { return (nil, nil) }
            state.settled = true
            defer { state.continuation = nil; state.onSettled = nil }
            return (state.continuation, state.onSettled)
        }
        continuation?.resume(with: result)
        action?()
    }
}

/// When a transaction last committed.
final class Progress: Sendable {
    private let instant: Mutex<ContinuousClock.Instant>

    init() {
        instant = Mutex(.now)
    }

    func note() { instant.withLock { $0 = .now } }
    var last: ContinuousClock.Instant { instant.withLock { $0 } }
}

/// The connection a transaction holds, and the deadline of its statement in flight, for the watchdog that may have to give
/// up on it.
final class Lease: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var leased = false
        var deadline: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    func hold(_ connection: PostgresConnection) {
        state.withLock { $0 = State(connection: connection, leased: true, deadline: nil) }
    }

    func release() {
        state.withLock { $0.connection = nil }
    }

    var wasLeased: Bool { state.withLock { $0.leased } }
    /// Whether the connection held is still open (a closed one will answer nothing).
    var holdsOpenConnection: Bool { state.withLock { $0.connection.map { !$0.isClosed } ?? false } }
    /// When the statement in flight must have been answered (nil between statements).
    var deadline: ContinuousClock.Instant? {
        get { state.withLock { $0.deadline } }
        set { state.withLock { $0.deadline = newValue } }
    }

    /// Closes the held connection's channel: its waiting queries fail.
    func abandon() {
        guard let connection = state.withLock({ $0.connection }) else { return }
        Self.close(connection)
    }

    private static func close(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in }
    }
}

import Synchronization

struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger
    let lease: Lease
    var backend: SQLBackend { .postgres }

    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        try await execute(sql, binds, deadline: PostgresDatabase.statementTimeout)
    }

    @discardableResult
    func executeOrFail(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        try await execute(sql, binds, deadline: PostgresDatabase.statementTimeout, undoneAlone: false)
    }

    /// Runs the statement, answered within `deadline` or given up on (see `PostgresDatabase.withLease`); a change that may
    /// violate a constraint runs in a savepoint of its own unless `undoneAlone` is false.
    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue] = [], deadline: Duration, undoneAlone: Bool = true) async throws(StoreError) -> [SQLRow] {
        lease.deadline = .now + deadline
        defer { lease.deadline = nil }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .text(let text): bindings.append(text)
            case .integer(let number): bindings.append(number)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .null: bindings.appendNull()
            }
        }
        // A failed statement aborts a PostgreSQL transaction; in SQLite only the statement is undone, and callers
        // (a refused nonce, a duplicate name inside a batch) go on. A savepoint around each change gives SQLite's rule.
        // A transaction given up on (see `withLease`) goes no further: it rolls back.
        if Task.isCancelled, sql != "ROLLBACK" { throw .unavailable("the transaction was given up on") }
        let guarded = undoneAlone && Self.mayViolateConstraint(sql)
        do {
            if guarded { try await run("SAVEPOINT statement") }
            let rows: [SQLRow]
            do {
                rows = try await run(sql, bindings)
            } catch {
                if guarded {
                    try await run("ROLLBACK TO SAVEPOINT statement")
                    try await run("RELEASE SAVEPOINT statement")
                }
                throw error
            }
            if guarded { try await run("RELEASE SAVEPOINT statement") }
            return rows
        } catch let error as PSQLError {
            throw Self.storeError(error)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .backend(String(describing: error))
        }
    }

    private func run(_ sql: String, _ bindings: PostgresBindings = PostgresBindings()) async throws -> [SQLRow] {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var result: [SQLRow] = []
        var columns: SQLColumns?
        for try await row in rows {
            var cells: [SQLValue] = []
            var names: [String] = []
            for cell in row {
                cells.append(try Self.value(cell))
                if columns == nil { names.append(cell.columnName) }
            }
            let shared = columns ?? SQLColumns(names)
            columns = shared
            result.append(SQLRow(columns: shared, cells: cells))
        }
        return result
    }

    /// Inserts and updates: the statements a constraint can refuse.
    static func mayViolateConstraint(_ sql: String) -> Bool {
        let start = sql.drop { $0 == " " || $0 == "\n" }.prefix(6).uppercased()
        return start == "INSERT" || start == "UPDATE"
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .numeric:
            // SUM of integers is numeric in PostgreSQL.
            let text = try cell.decode(String.self)
            guard let number = Int64(text) else { throw StoreError.corruptRow(cell.columnName) }
            return .integer(number)
        case .float4, .float8: return .integer(Int64(try cell.decode(Double.self)))
        default: return .text(try cell.decode(String.self))
        }
    }

    /// A server's SQLSTATE as the store's error: constraint violations by kind, lost connections and a database that
    /// is shutting down or starting as `.unavailable`.
    static func storeError(_ error: PSQLError) -> StoreError {
        if let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? state
            switch state {
            case "23505": return .uniqueViolation(message)
            case "23514": return .checkViolation(message)
            default:
                // Class 08: connection exception; 57P0x: admin/crash shutdown, cannot connect now; 53: insufficient resources.
                // 55P03: the write lock was not granted within lockWait.
                if state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") || state == "55P03" { return .unavailable(message) }
                return .backend("\(state): \(message)")
            }
        }
        // No SQLSTATE: the connection itself failed (lost, closed, cancelled mid-query, a protocol error after a crash).
        return error.code == .tooManyParameters ? .backend(error.code.description) : .unavailable(error.code.description)
    }
}
