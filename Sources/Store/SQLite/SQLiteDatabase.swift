import Dispatch
import Logging
import Synchronization

/// SQLite in WAL mode: one serialised writer connection and a pool of reader connections that read in parallel, each
/// on its own snapshot (one shared connection in memory).
public final class SQLiteDatabase: SQLDatabase {
    private let writer: SQLiteHandle
    private let readers: ResourcePool<SQLiteHandle>?
    private let readerHandles: [SQLiteHandle]
    private let writeGate = AsyncMutex()
    private let closed = Mutex(false)

    /// Readers beyond the cores add nothing: statements run on the caller's thread.
    public static let defaultReaderCount = 4

    private init(writer: SQLiteHandle, readers: [SQLiteHandle]) {
        self.writer = writer
        self.readerHandles = readers
        self.readers = readers.isEmpty ? nil : ResourcePool(readers)
    }

    /// Opens (creating if needed) the database file at `path`, or a private in-memory database for `nil`.
    public static func open(path: String?, logger: Logger, readerCount: Int = defaultReaderCount) async throws(StoreError) -> SQLiteDatabase {
        let writer = try SQLiteHandle(path: path)
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000",
                       "PRAGMA case_sensitive_like = ON"] {
            _ = try writer.execute(pragma, [])
        }
        guard let path else { return SQLiteDatabase(writer: writer, readers: []) }
        var readers: [SQLiteHandle] = []
        for _ in 0..<max(readerCount, 1) {
            let reader = try SQLiteHandle(path: path)
            for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA case_sensitive_like = ON", "PRAGMA query_only = ON"] {
                _ = try reader.execute(pragma, [])
            }
            readers.append(reader)
        }
        return SQLiteDatabase(writer: writer, readers: readers)
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await writeGate.withLock { [writer] in
            try await Self.transaction(on: writer, begin: "BEGIN IMMEDIATE", commitOffPool: true, body)
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        guard let readers else {
            // One connection cannot hold two transactions: reads then wait for writes.
            return try await writeGate.withLock { [writer] in try await Self.transaction(on: writer, begin: "BEGIN", commitOffPool: false, body) }
        }
        return try await readers.with { reader in try await Self.transaction(on: reader, begin: "BEGIN", commitOffPool: false, body) }
    }

    public func close() async {
        guard closed.withLock({ wasClosed in defer { wasClosed = true }; return !wasClosed }) else { return }
        // Wait for running transactions so that none sees its connection closed under it.
        await writeGate.lock()
        if let readers {
            var taken: [SQLiteHandle] = []
            for _ in readerHandles { taken.append(await readers.take()) }
            for reader in taken {
                reader.close()
                readers.give(reader)
            }
        }
        writer.close()
        // Later calls fail on the closed connection instead of waiting forever.
        writeGate.unlock()
    }

    private static func transaction<T: Sendable>(
        on handle: SQLiteHandle,
        begin: String,
        commitOffPool: Bool,
        _ body: @Sendable (any SQLExecutor) async throws -> T
    ) async throws -> T {
        let executor = SQLiteExecutor(handle: handle)
        try handle.execute(begin, [])
        do {
            let result = try await body(executor)
            if commitOffPool {
                // The commit waits for the disk: not on a thread of the cooperative pool.
                try await commitOnDispatch(handle)
            } else {
                try handle.execute("COMMIT", [])
            }
            return result
        } catch {
            _ = try? handle.execute("ROLLBACK", [])
            throw error
        }
    }

    private static func commitOnDispatch(_ handle: SQLiteHandle) async throws(StoreError) {
        let outcome: Result<Void, StoreError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: Result { () throws(StoreError) in _ = try handle.execute("COMMIT", []) })
            }
        }
        try outcome.get()
    }
}

/// Statements of one transaction on one connection.
struct SQLiteExecutor: SQLExecutor {
    let handle: SQLiteHandle
    var backend: SQLBackend { .sqlite }

    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        try handle.execute(sql, binds)
    }
}
