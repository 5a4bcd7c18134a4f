/// A name filter where `*` matches any run of characters (possibly empty); every other character is literal.
public struct NamePattern: Sendable, Hashable {
    public let pattern: String
    private let parts: [Substring]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
    }

    public var hasWildcard: Bool { parts.count > 1 }

    /// Whether `name` matches the whole pattern.
    public func matches(_ name: String) -> Bool {
        guard hasWildcard else { return name == pattern }
        var rest = Substring(name)
        guard let first = parts.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        let last = parts[parts.count - 1]
        for middle in parts.dropFirst().dropLast() where !middle.isEmpty {
            guard let range = rest.range(of: middle) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.count >= last.count && rest.hasSuffix(last)
    }
}
