/// A value bound into, or read out of, a SQL statement. Portable across SQLite and PostgreSQL.
public enum SQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case blob([UInt8])
    case null
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    public let values: [String: SQLValue]

    public init(values: [String: SQLValue]) {
        self.values = values
    }

    public func text(_ column: String) throws(StoreError) -> String {
        guard case .text(let value)? = values[column] else { throw .corruptRow(column) }
        return value
    }

    public func optionalText(_ column: String) throws(StoreError) -> String? {
        switch values[column] {
        case .text(let value)?: return value
        case .null?, nil: return nil
        default: throw .corruptRow(column)
        }
    }

    public func integer(_ column: String) throws(StoreError) -> Int64 {
        guard case .integer(let value)? = values[column] else { throw .corruptRow(column) }
        return value
    }

    public func optionalInteger(_ column: String) throws(StoreError) -> Int64? {
        switch values[column] {
        case .integer(let value)?: return value
        case .null?, nil: return nil
        default: throw .corruptRow(column)
        }
    }

    public func blob(_ column: String) throws(StoreError) -> [UInt8] {
        switch values[column] {
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
