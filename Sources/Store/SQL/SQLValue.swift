/// A value bound into, or read out of, a SQL statement. Portable across SQLite and PostgreSQL.
public enum SQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case blob([UInt8])
    case null
}

/// The column names of one result, shared by all of its rows.
public final class SQLColumns: Sendable {
    public let names: [String]
    private let positions: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        positions.reserveCapacity(names.count)
        // A repeated name (a join's `*`) reads as its last column.
        for (position, name) in names.enumerated() { positions[name] = position }
        self.positions = positions
    }

    func position(of name: String) -> Int? { positions[name] }
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    public let columns: SQLColumns
    /// One value per column, in the order of `columns.names`.
    public let cells: [SQLValue]

    public init(columns: SQLColumns, cells: [SQLValue]) {
        precondition(columns.names.count == cells.count, "a row has one value per column")
        self.columns = columns
        self.cells = cells
    }

    /// The value of `column`, or nil when the result has no such column.
    public subscript(column: String) -> SQLValue? {
        columns.position(of: column).map { cells[$0] }
    }

    public func text(_ column: String) throws(StoreError) -> String {
        guard case .text(let value)? = self[column] else { throw .corruptRow(column) }
        return value
    }

    public func optionalText(_ column: String) throws(StoreError) -> String? {
        switch self[column] {
        case .text(let value)?: return value
        case .null?, nil: return nil
        default: throw .corruptRow(column)
        }
    }

    public func integer(_ column: String) throws(StoreError) -> Int64 {
        guard case .integer(let value)? = self[column] else { throw .corruptRow(column) }
        return value
    }

    public func optionalInteger(_ column: String) throws(StoreError) -> Int64? {
        switch self[column] {
        case .integer(let value)?: return value
        case .null?, nil: return nil
        default: throw .corruptRow(column)
        }
    }

    public func blob(_ column: String) throws(StoreError) -> [UInt8] {
        switch self[column] {
        case .blob(let value)?: return value
        case .null?: return []
        default: throw .corruptRow(column)
        }
    }
}

/// Collects bind values and hands out their `$N` placeholders, so that statements are built safely.
public struct SQLBinds: Sendable {
    public private(set) var values: [SQLValue] = []

    public init() {}

    /// Appends `value` and returns its placeholder.
    public mutating func add(_ value: SQLValue) -> String {
        values.append(value)
        return "$\(values.count)"
    }

    public mutating func add(_ text: String) -> String { add(.text(text)) }
    public mutating func add(_ number: Int64) -> String { add(.integer(number)) }
    public mutating func add(_ number: Int) -> String { add(.integer(Int64(number))) }
}
