/// The SQL a statement may need to spell differently.
public enum SQLBackend: Sendable {
    case sqlite, postgres
}

/// Runs statements inside an open transaction. `$1`, `$2`, … are bind placeholders on every backend.
public protocol SQLExecutor: Sendable {
    var backend: SQLBackend { get }

    /// Runs a statement; if it fails, the transaction goes on as if it had not run (as in SQLite).
    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow]

    /// Runs a statement that no caller recovers from: if it fails, so does the write it belongs to. A backend may skip
    /// what undoes one failed statement alone (on PostgreSQL, a savepoint around it: two more round trips).
    @discardableResult
    func executeOrFail(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow]
}

extension SQLExecutor {
    @discardableResult
    public func execute(_ sql: String) async throws(StoreError) -> [SQLRow] {
        try await execute(sql, [])
    }

    @discardableResult
    public func executeOrFail(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        try await execute(sql, binds)
    }
}

/// A SQL database: the only shared state of Keyward servers.
public protocol SQLDatabase: Sendable {
    /// Runs `body` in a write transaction: committed if it returns, rolled back if it throws.
    /// Write transactions are serialised.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T
    /// Runs `body` in a read-only transaction that sees one consistent snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T
    func close() async
}
