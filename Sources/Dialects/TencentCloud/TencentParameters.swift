import Foundation

/// The parameters of a Tencent Cloud API 3.0 request as one tree: a JSON body as sent, or the flattened form
/// (`KeyIds.0`, `Filters.0.Values.1`) of GET and legacy requests rebuilt into it.
public struct TencentParameters: Sendable {
    let root: [String: JSONValue]

    init(root: [String: JSONValue]) {
        self.root = root
    }

    /// A JSON object body; nil when it is not one.
    static func json(_ body: [UInt8]) -> TencentParameters? {
        guard !body.isEmpty else { return TencentParameters(root: [:]) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) as? [String: Any] else { return nil }
        var root: [String: JSONValue] = [:]
        for (key, value) in object {
            guard let converted = convert(value, depth: 0) else { return nil }
            root[key] = converted
        }
        return TencentParameters(root: root)
    }

    /// More flattened pairs than any action takes; a request beyond it is refused before the tree is built.
    static let pairLimit = 1000

    /// Rebuilds flattened pairs (0-based list indices) into the tree; nil when two pairs disagree about a shape.
    static func flattened(_ pairs: [(name: String, value: String)]) -> TencentParameters? {
        guard pairs.count <= pairLimit else { return nil }
        var root = Node.object([:])
        for (name, value) in pairs {
            let path = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard path.count <= 8, path.allSatisfy({ !$0.isEmpty }), root.insert(value, at: path[...]) else { return nil }
        }
        guard case .object(let members) = root.json else { return nil }
        return TencentParameters(root: Dictionary(members, uniquingKeysWith: { first, _ in first }))
    }

    // MARK: Reading

    public func has(_ name: String) -> Bool { root[name] != nil }

    public func string(_ name: String) throws(TencentError) -> String {
        guard let value = try optionalString(name) else { throw .missingParameter(name) }
        return value
    }

    public func optionalString(_ name: String) throws(TencentError) -> String? {
        switch root[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .int(let number)?: return String(number)
        default: throw .invalidParameter(name, "must be a string")
        }
    }

    public func optionalInt(_ name: String) throws(TencentError) -> Int? {
        switch root[name] {
        case nil, .null?: return nil
        case .int(let number)?: return number
        case .string(let text)?:
            guard let number = Int(text) else { throw .invalidParameter(name, "must be an integer") }
            return number
        default: throw .invalidParameter(name, "must be an integer")
        }
    }

    public func optionalBool(_ name: String) throws(TencentError) -> Bool? {
        switch root[name] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case .string(let text)?:
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: throw .invalidParameter(name, "must be true or false")
            }
        default: throw .invalidParameter(name, "must be true or false")
        }
    }

    /// A list of strings, or nil when absent.
    public func optionalStrings(_ name: String) throws(TencentError) -> [String]? {
        switch root[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            return try items.map { item throws(TencentError) in
                switch item {
                case .string(let text): return text
                case .int(let number): return String(number)
                default: throw .invalidParameter(name, "must be a list of strings")
                }
            }
        default: throw .invalidParameter(name, "must be a list")
        }
    }

    /// A list of objects (`Filters`, `TagSpecification`), or nil when absent.
    public func optionalObjects(_ name: String) throws(TencentError) -> [TencentParameters]? {
        switch root[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            return try items.map { item throws(TencentError) in
                guard case .object(let members) = item else { throw .invalidParameter(name, "must be a list of objects") }
                return TencentParameters(root: Dictionary(members, uniquingKeysWith: { first, _ in first }))
            }
        default: throw .invalidParameter(name, "must be a list")
        }
    }

    /// An object (`LoginSettings`, `Placement`), or nil when absent.
    public func optionalObject(_ name: String) throws(TencentError) -> TencentParameters? {
        switch root[name] {
        case nil, .null?: return nil
        case .object(let members)?: return TencentParameters(root: Dictionary(members, uniquingKeysWith: { first, _ in first }))
        default: throw .invalidParameter(name, "must be an object")
        }
    }

    /// `Filters`: name and values, filters ANDed and values ORed.
    public func filters() throws(TencentError) -> [(name: String, values: [String])] {
        try (optionalObjects("Filters") ?? []).map { filter throws(TencentError) in
            (try filter.string("Name"), try filter.optionalStrings("Values") ?? [])
        }
    }

    /// `Filters` within Tencent's caps: at most 10 filters of at most 5 values each.
    public func limitedFilters() throws(TencentError) -> [(name: String, values: [String])] {
        let filters = try filters()
        guard filters.count <= 10, filters.allSatisfy({ $0.values.count <= 5 }) else {
            throw TencentError("InvalidFilterValue.LimitExceeded", "At most 10 filters of at most 5 values each.")
        }
        return filters
    }

    /// `Offset` (≥ 0) and `Limit` (1–100, 20 by default).
    public func page() throws(TencentError) -> (offset: Int, limit: Int) {
        let offset = try optionalInt("Offset") ?? 0
        guard offset >= 0 else { throw TencentError("InvalidParameterValueOffset", "The `Offset` must not be negative.") }
        let limit = try optionalInt("Limit") ?? 20
        guard (1...100).contains(limit) else { throw TencentError("InvalidParameterValueLimit", "The `Limit` must be 1 to 100.") }
        return (offset, limit)
    }

    // MARK: Building

    private static func convert(_ value: Any, depth: Int) -> JSONValue? {
        guard depth < 16 else { return nil }
        switch value {
        case let text as String: return .string(text)
        case let number as NSNumber:
            // Foundation's JSON reader makes booleans NSNumbers of type `c`, integers `q`/`i`/`l`, other numbers `d`.
            switch String(cString: number.objCType) {
            case "c": return .bool(number.boolValue)
            case "q", "i", "l", "s", "Q", "I", "L", "S": return .int(Int(number.int64Value))
            default: return .string(number.stringValue)
            }
        case let list as [Any]:
            var items: [JSONValue] = []
            for item in list {
                guard let converted = convert(item, depth: depth + 1) else { return nil }
                items.append(converted)
            }
            return .array(items)
        case let object as [String: Any]:
            var members: [(String, JSONValue)] = []
            for (key, item) in object.sorted(by: { $0.key < $1.key }) {
                guard let converted = convert(item, depth: depth + 1) else { return nil }
                members.append((key, converted))
            }
            return .object(members)
        case is NSNull: return .null
        default: return nil
        }
    }

    /// A tree under construction from flattened names.
    private indirect enum Node {
        case leaf(String)
        case object([String: Node])
        case list([Int: Node])

        mutating func insert(_ value: String, at path: ArraySlice<String>) -> Bool {
            guard let head = path.first else { return false }
            let rest = path.dropFirst()
            if let index = Int(head), index >= 0, index < 1000 {
                if case .object(let members) = self, members.isEmpty { self = .list([:]) }
                guard case .list(var items) = self else { return false }
                if rest.isEmpty {
                    guard items[index] == nil else { return false }
                    items[index] = .leaf(value)
                } else {
                    var child = items[index] ?? .object([:])
                    guard child.insert(value, at: rest) else { return false }
                    items[index] = child
                }
                self = .list(items)
                return true
            }
            guard case .object(var members) = self else { return false }
            if rest.isEmpty {
                guard members[head] == nil else { return false }
                members[head] = .leaf(value)
            } else {
                var child = members[head] ?? .object([:])
                guard child.insert(value, at: rest) else { return false }
                members[head] = child
            }
            self = .object(members)
            return true
        }

        var json: JSONValue {
            switch self {
            case .leaf(let value): .string(value)
            case .object(let members): .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) })
            case .list(let items): .array(items.sorted { $0.key < $1.key }.map(\.value.json))
            }
        }
    }
}
