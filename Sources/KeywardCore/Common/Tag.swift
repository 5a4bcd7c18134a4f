/// A key/value label on a resource.
public struct Tag: Sendable, Hashable, Codable {
    public let key: String
    public let value: String

    /// A tag that satisfies the tag rules: key 1–128 characters, not starting with `aliyun` or `acs:`,
    /// value up to 128 characters, not starting with `acs:`; neither containing `http://` or `https://`.
    public init(key: String, value: String) throws(DomainError) {
        let lowerKey = key.lowercased()
        guard !key.isEmpty, key.count <= 128, !lowerKey.hasPrefix("aliyun"), !lowerKey.hasPrefix("acs:"), !Tag.containsURL(key)
        else { throw .invalidTagKey(key) }
        guard value.count <= 128, !value.lowercased().hasPrefix("acs:"), !Tag.containsURL(value) else { throw .invalidTagValue(value) }
        self.key = key
        self.value = value
    }

    /// A tag taken as it is: one the control plane sets under a key users may not use (`acs:autoscaling:scalingGroupId`),
    /// or one read back from the store (checked when it was written).
    public init(unchecked key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// The tag Auto Scaling puts on the instances of a group.
    public static func scalingGroup(_ groupID: String) -> Tag { Tag(unchecked: "acs:autoscaling:scalingGroupId", value: groupID) }

    /// The most tags one resource may carry.
    public static let limitPerResource = 20

    /// Validates a set of tags given together: no key twice, at most `limitPerResource`.
    public static func validateSet(_ tags: [Tag]) throws(DomainError) {
        guard tags.count <= limitPerResource else { throw .tooManyTags(limit: limitPerResource) }
        var seen = Set<String>()
        for tag in tags where !seen.insert(tag.key).inserted {
            throw .duplicateTagKey(tag.key)
        }
    }

    private static func containsURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.contains("http://") || lower.contains("https://")
    }
}

/// A tag filter: a key, and optionally the values one of which it must have.
public struct TagFilter: Sendable, Hashable {
    public let key: String
    /// Nil: any value.
    public let values: [String]?

    public init(key: String, value: String?) {
        self.key = key
        self.values = value.map { [$0] }
    }

    public init(key: String, anyOf values: [String]) {
        self.key = key
        self.values = values
    }

    /// Whether a resource with `tags` passes the filter.
    public func matches(_ tags: [Tag]) -> Bool {
        tags.contains { $0.key == key && (values?.contains($0.value) ?? true) }
    }
}
