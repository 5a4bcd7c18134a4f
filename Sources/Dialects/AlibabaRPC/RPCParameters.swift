import Foundation
import KeywardCore

/// The decoded parameters of one RPC call, with typed accessors that fail in the dialect's own terms.
public struct RPCParameters: Sendable {
    public let values: [String: String]

    public init(values: [String: String]) {
        self.values = values
    }

    /// The value, or nil when absent or empty.
    public func optional(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    public func required(_ name: String) throws(RPCError) -> String {
        guard let value = optional(name) else { throw .missingParameter(name) }
        return value
    }

    public func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(RPCError) -> Int {
        guard let text = optional(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else { throw .invalidParameter(name) }
        return value
    }

    public func bool(_ name: String, default fallback: Bool) throws(RPCError) -> Bool {
        try optionalBool(name) ?? fallback
    }

    /// `true`/`false` in any case (the Tea SDK sends `True`), or nil when the parameter is absent.
    public func optionalBool(_ name: String) throws(RPCError) -> Bool? {
        guard let text = optional(name) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalidParameter(name)
        }
    }

    /// `Prefix.N.Field` entries grouped by N (N ≥ 1), in ascending N.
    public func indexedGroups(_ prefix: String) throws(RPCError) -> [(index: Int, fields: [String: String])] {
        var groups: [Int: [String: String]] = [:]
        let lead = prefix + "."
        for (name, value) in values where name.hasPrefix(lead) {
            let rest = name.dropFirst(lead.count).split(separator: ".", maxSplits: 1)
            guard rest.count == 2 else { continue }
            guard let index = Int(rest[0]), index >= 1, index <= 1000 else { throw .invalidParameter(name) }
            groups[index, default: [:]][String(rest[1])] = value
        }
        return groups.keys.sorted().map { ($0, groups[$0]!) }
    }

    /// `Prefix.N` values in ascending N (N ≥ 1), empty values dropped.
    public func indexedValues(_ prefix: String) throws(RPCError) -> [String] {
        var items: [Int: String] = [:]
        let lead = prefix + "."
        for (name, value) in values where name.hasPrefix(lead) {
            guard let index = Int(name.dropFirst(lead.count)) else { continue }
            guard index >= 1, index <= 1000 else { throw .invalidParameter(name) }
            if !value.isEmpty { items[index] = value }
        }
        return items.keys.sorted().map { items[$0]! }
    }

    /// A parameter holding a JSON array of strings, e.g. `["a","b"]`; nil when absent, `malformed` when not such an array.
    public func jsonStringArray(_ name: String, malformed: RPCError) throws(RPCError) -> [String]? {
        guard let text = optional(name) else { return nil }
        guard let array = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else { throw malformed }
        return array
    }

    /// `Tag.N.Key` / `Tag.N.Value` as validated tags.
    public func tags() throws -> [Tag] {
        try indexedGroups("Tag").map { group in
            guard let key = group.fields["Key"], !key.isEmpty else { throw DomainError.invalidTagKey(group.fields["Key"] ?? "") }
            return try Tag(key: key, value: group.fields["Value"] ?? "")
        }
    }

    /// `Tag.N.Key` / `Tag.N.Value` as filters: a key alone matches any value.
    public func tagFilters() throws(RPCError) -> [TagFilter] {
        try indexedGroups("Tag").compactMap { group in
            guard let key = group.fields["Key"], !key.isEmpty else { return nil }
            return TagFilter(key: key, value: group.fields["Value"])
        }
    }
}
