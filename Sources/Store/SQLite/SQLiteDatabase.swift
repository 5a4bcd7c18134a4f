import Logging
import SQLiteNIO
import Synchronization

/// SQLite in WAL mode: one serialised writer connection and one reader connection (one connection in memory).
public final class SQLiteDatabase: SQLDatabase {
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let writeGate: AsyncMutex
    private let readGate: AsyncMutex
    private let sharedConnection: Bool
    /// Closing a closed SQLiteNIO connection crashes: close exactly once.
    private let closed = Mutex(false)

    private init(writer: SQLiteConnection, reader: SQLiteConnection, sharedConnection: Bool) {
        self.writer = writer
        self.reader = reader
        self.writeGate = AsyncMutex()
        // One connection cannot hold two transactions: reads then wait for writes.
        self.readGate = sharedConnection ? writeGate : AsyncMutex()
        self.sharedConnection = sharedConnection
    }

    /// True the first time only.
    private func markClosed() -> Bool {
        closed.withLock { wasClosed in
            defer { wasClosed = true }
            return !wasClosed
        }
    }

    deinit {
        // For owners that never called `close()`.
        if markClosed() {
            if !sharedConnection { _ = reader.close() }
            _ = writer.close()
        }
    }

    /// Opens (creating if needed) the database file at `path`, or a private in-memory database for `nil`.
    public static func open(path: String?, logger: Logger) async throws(StoreError) -> SQLiteDatabase {
        do {
            let writer = try await SQLiteConnection.open(storage: path.map { .file(path: $0) } ?? .memory, logger: logger)
            let database: SQLiteDatabase
            do {
                for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000", "PRAGMA case_sensitive_like = ON"] {
                    _ = try await writer.query(pragma, [])
                }
                guard let path else {
                    return SQLiteDatabase(writer: writer, reader: writer, sharedConnection: true)
                }
                let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
                for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA case_sensitive_like = ON", "PRAGMA query_only = ON"] {
                    _ = try await reader.query(pragma, [])
                }
                database = SQLiteDatabase(writer: writer, reader: reader, sharedConnection: false)
            } catch {
                try? await writer.close()
                throw error
            }
            return database
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable(String(describing: error))
        }
    }

    public func write<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await writeGate.withLock { [writer] in
            try await Self.transaction(on: writer, begin: "BEGIN IMMEDIATE", body)
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await readGate.withLock { [reader] in
            try await Self.transaction(on: reader, begin: "BEGIN", body)
        }
    }

    public func close() async {
        guard markClosed() else { return }
        // Wait for running transactions so that none sees its connection closed under it.
        await writeGate.lock()
        if !sharedConnection {
            await readGate.lock()
            try? await reader.close()
            await readGate.unlock()
        }
        try? await writer.close()
        // Later calls fail on the closed connection instead of waiting forever.
        await writeGate.unlock()
    }

    private static func transaction<T: Sendable>(
        on connection: SQLiteConnection,
        begin: String,
        _ body: @Sendable (any SQLExecutor) async throws -> T
    ) async throws -> T {
        let executor = SQLiteExecutor(connection: connection)
        try await executor.execute(begin)
        do {
            let result = try await body(executor)
            try await executor.execute("COMMIT")
            return result
        } catch {
            _ = try? await executor.execute("ROLLBACK")
            throw error
        }
    }
}

struct SQLiteExecutor: SQLExecutor {
    let connection: SQLiteConnection

    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue]) async throws(StoreError) -> [SQLRow] {
        do {
            let rows = try await connection.query(Self.sqliteSyntax(sql), binds.map(Self.sqliteData))
            return rows.map { row in
                var values: [String: SQLValue] = [:]
                for column in row.columns { values[column.name] = Self.value(column.data) }
                return SQLRow(values: values)
            }
        } catch let error as SQLiteError {
            switch error.reason {
            case .constraintUniqueFailed, .constraintPrimaryKeyFailed: throw .uniqueViolation(error.message)
            case .constraintCheckFailed: throw .checkViolation(error.message)
            default: throw .backend(error.description)
            }
        } catch {
            throw .backend(String(describing: error))
        }
    }

    /// `$N` placeholders become SQLite's numbered `?N`.
    static func sqliteSyntax(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count)
        var previous: Character = " "
        for character in sql {
            if previous == "$", character.isNumber {
                out.removeLast()
                out.append("?")
            }
            out.append(character)
            previous = character
        }
        return out
    }

    static func sqliteData(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .text(let text): .text(text)
        case .integer(let number): .integer(SQLiteInt64(number))
        case .blob(let bytes): .blob(ByteBuffer(bytes: bytes))
        case .null: .null
        }
    }

    static func value(_ data: SQLiteData) -> SQLValue {
        switch data {
        case .text(let text): .text(text)
        case .integer(let number): .integer(Int64(number))
        case .float(let number): .integer(Int64(number))
        case .blob(var buffer): .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .null: .null
        }
    }
}
