import Foundation
import Glibc
import SQLiteConfig
import VaporCSQLite

/// One SQLite connection, used by one holder at a time (the database's lock or pool sees to that). Statements run
/// synchronously on the caller's thread: a page-cache read takes microseconds, less than a hop to another thread.
/// Prepared statements are kept and reused, keyed by their SQL.
final class SQLiteHandle: @unchecked Sendable {
    private var connection: OpaquePointer?
    private var statements: [String: Prepared] = [:]
    /// Statements with generated IN lists vary; past this many the cache starts again.
    private static let cachedStatementLimit = 256

    /// Opens (creating if needed) the file at `path`, or a private in-memory database for `nil`.
    /// A new file is created 0600 before SQLite opens it: its `-wal` and `-shm` files take the same mode.
    init(path: String?) throws(StoreError) {
        if let path, !FileManager.default.fileExists(atPath: path) {
            let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 { Glibc.close(descriptor) }
        }
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | (path == nil ? SQLITE_OPEN_MEMORY : 0)
        let status = sqlite_nio_sqlite3_open_v2(path ?? ":memory:", &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "status \(status)"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw .unavailable("SQLite \(path ?? ":memory:"): \(message)")
        }
        sqlite_nio_sqlite3_extended_result_codes(handle, 1)
        // Without it a statement whose LIMIT or IN list is bound is prepared again at every run: cached statements
        // would save nothing.
        guard keyward_sqlite_keep_query_plans(handle) == SQLITE_OK else {
            sqlite_nio_sqlite3_close_v2(handle)
            throw .unavailable("SQLite \(path ?? ":memory:"): cannot keep query plans stable")
        }
        connection = handle
    }

    deinit {
        close()
    }

    /// Finalises every statement and closes the connection; later calls fail.
    func close() {
        for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
        statements = [:]
        if let connection { sqlite_nio_sqlite3_close_v2(connection) }
        connection = nil
    }

    /// Runs one statement with its binds and returns its rows.
    func execute(_ sql: String, _ binds: [SQLValue]) throws(StoreError) -> [SQLRow] {
        guard let connection else { throw .unavailable("the SQLite connection is closed") }
        let prepared = try prepared(sql, on: connection)
        let statement = prepared.statement
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 = switch value {
            case .text(let text):
                sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
            case .integer(let number): sqlite_nio_sqlite3_bind_int64(statement, index, number)
            case .blob(let bytes):
                bytes.withUnsafeBytes { buffer in
                    // A zero-length blob still needs a non-null pointer to be a blob rather than NULL.
                    sqlite_nio_sqlite3_bind_blob64(statement, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(buffer.count),
                                                   Self.transient)
                }
            case .null: sqlite_nio_sqlite3_bind_null(statement, index)
            }
            guard status == SQLITE_OK else { throw error(status, on: connection) }
        }
        var rows: [SQLRow] = []
        var columns: SQLColumns?
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw error(status, on: connection) }
            // Read after the step: a schema change makes SQLite prepare the statement again within it.
            let shared = columns ?? self.columns(of: prepared, sql: sql)
            columns = shared
            var cells: [SQLValue] = []
            cells.reserveCapacity(shared.names.count)
            for column in 0..<Int32(shared.names.count) {
                cells.append(Self.value(statement, column))
            }
            rows.append(SQLRow(columns: shared, cells: cells))
        }
        return rows
    }

    /// A prepared statement and the names of its result columns, read once: they change only when SQLite prepares
    /// the statement again after a schema change, which its reprepare counter shows.
    private struct Prepared {
        let statement: OpaquePointer
        var columns: SQLColumns?
        var reprepareCount: Int32 = 0
    }

    /// How many times SQLite prepared the cached statement `sql` again since it was first prepared (nil: not cached).
    func reprepareCount(_ sql: String) -> Int32? {
        statements[sql].map { sqlite_nio_sqlite3_stmt_status($0.statement, SQLITE_STMTSTATUS_REPREPARE, 0) }
    }

    private func columns(of prepared: Prepared, sql: String) -> SQLColumns {
        let statement = prepared.statement
        let reprepares = sqlite_nio_sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_REPREPARE, 0)
        if let columns = prepared.columns, prepared.reprepareCount == reprepares,
           columns.names.count == Int(sqlite_nio_sqlite3_column_count(statement)) {
            return columns
        }
        let count = sqlite_nio_sqlite3_column_count(statement)
        let columns = SQLColumns((0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) })
        statements[sql]?.columns = columns
        statements[sql]?.reprepareCount = reprepares
        return columns
    }

    private func prepared(_ sql: String, on connection: OpaquePointer) throws(StoreError) -> Prepared {
        if let prepared = statements[sql] { return prepared }
        if statements.count >= Self.cachedStatementLimit {
            for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
            statements = [:]
        }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(connection, Self.sqliteSyntax(sql), -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status, on: connection) }
        let prepared = Prepared(statement: statement)
        statements[sql] = prepared
        return prepared
    }

    private static func value(_ statement: OpaquePointer, _ column: Int32) -> SQLValue {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite_nio_sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .integer(Int64(sqlite_nio_sqlite3_column_double(statement, column)))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite_nio_sqlite3_column_blob(statement, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    private func error(_ status: Int32, on connection: OpaquePointer) -> StoreError {
        let message = String(cString: sqlite_nio_sqlite3_errmsg(connection))
        switch status {
        case Self.constraintUnique, Self.constraintPrimaryKey: return .uniqueViolation(message)
        case Self.constraintCheck: return .checkViolation(message)
        default: return .backend("SQLite \(status): \(message)")
        }
    }

    // Extended result codes (C macros Swift does not import): SQLITE_CONSTRAINT | (n << 8).
    private static let constraintCheck = SQLITE_CONSTRAINT | (1 << 8)
    private static let constraintPrimaryKey = SQLITE_CONSTRAINT | (6 << 8)
    private static let constraintUnique = SQLITE_CONSTRAINT | (8 << 8)

    /// SQLite copies bound text and blobs before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// `$N` placeholders become SQLite's numbered `?N` (SQLite would number `$N` by first appearance instead).
    static func sqliteSyntax(_ sql: String) -> String {
        var bytes = Array(sql.utf8)
        for index in bytes.indices.dropLast() where bytes[index] == UInt8(ascii: "$") {
            let next = bytes[index + 1]
            if next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") { bytes[index] = UInt8(ascii: "?") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
