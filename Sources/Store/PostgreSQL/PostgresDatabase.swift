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
    /// How long a transaction waits for a connection before the database counts as unavailable.
    private let leaseTimeout: Duration

    /// The advisory lock key that serialises writers of every server on the database ("keyward" in ASCII).
    static let writeLockKey: Int64 = 0x6B65_7977_6172_64

    private init(client: PostgresClient, logger: Logger, leaseTimeout: Duration) {
        self.client = client
        self.logger = logger
        self.leaseTimeout = leaseTimeout
        self.runner = Task { await client.run() }
    }

    /// Connects to the database `url` names (see `PostgresURL`); fails with `.unavailable` when it cannot be reached.
    public static func open(url: String, logger: Logger, leaseTimeout: Duration = .seconds(5)) async throws(StoreError) -> PostgresDatabase {
        let parsed: PostgresURL
        let configuration: PostgresClient.Configuration
        do {
            parsed = try PostgresURL(url)
            configuration = try parsed.clientConfiguration()
        } catch {
            throw .unavailable("--database: \(error.reason)")
        }
        var background = logger
        // The pool retries lost connections and says so at info: only what it gives up on is worth a line.
        background.logLevel = max(logger.logLevel, .warning)
        let database = PostgresDatabase(client: PostgresClient(configuration: configuration, backgroundLogger: background), logger: logger,
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

    public func write<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", lock: true, body)
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock: false, body)
    }

    public func close() async {
        runner.cancel()
        await runner.value
    }

    private func transaction<T: Sendable>(begin: String, lock: Bool, _ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        // The lease's task ends before `withLease` returns, so `body` never outlives this call.
        do {
            return try await withoutActuallyEscaping(body) { body in try await withLease { connection in
                let executor = PostgresExecutor(connection: connection, logger: self.logger)
                try await executor.execute(begin)
                if lock {
                    try await executor.execute("SELECT pg_advisory_xact_lock($1)", [.integer(Self.writeLockKey)])
                }
                do {
                    let result = try await body(executor)
                    try await executor.execute("COMMIT")
                    return result
                } catch {
                    _ = try? await executor.execute("ROLLBACK")
                    throw error
                }
            } }
        } catch let error as PSQLError {
            throw PostgresExecutor.storeError(error)
        }
    }

    /// Leases a connection, giving up after `leaseTimeout` (the pool would otherwise wait for the database forever).
    private func withLease<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = self.client
        let timeout = leaseTimeout
        let leased = LeaseFlag()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.set()
                    return try await body(connection)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            while let next = try await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
                // The timer fired: give up only if no connection was leased (a running transaction finishes).
                if !leased.isSet {
                    group.cancelAll()
                    throw StoreError.unavailable("no connection to PostgreSQL within \(timeout)")
                }
            }
            throw StoreError.unavailable("PostgreSQL transaction ended without a result")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError { return PostgresExecutor.storeError(error).message }
        if let error = error as? StoreError { return error.message }
        return String(describing: error)
    }
}

/// Set once a connection was leased.
private final class LeaseFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}

import Synchronization

struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger
    var backend: SQLBackend { .postgres }

    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
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
        let guarded = Self.mayViolateConstraint(sql)
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
        for try await row in rows {
            var values: [String: SQLValue] = [:]
            for cell in row { values[cell.columnName] = try Self.value(cell) }
            result.append(SQLRow(values: values))
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
                if state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") { return .unavailable(message) }
                return .backend("\(state): \(message)")
            }
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown, .sslUnsupported,
             .failedToAddSSLHandler:
            return .unavailable(error.code.description)
        default:
            return .backend(error.code.description)
        }
    }
}
