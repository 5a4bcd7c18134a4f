/// What DescribeKeyPairs-style listings filter on. Every set field must match.
public struct KeyPairQuery: Sendable, Hashable {
    public var accountID: String
    public var regionID: String
    public var namePattern: NamePattern?
    /// MD5 fingerprint; compared without colons and case-insensitively.
    public var fingerprintMD5: String?
    public var resourceGroupID: String?
    public var tags: [TagFilter]
    public var names: [String]?
    /// `KeyPair.shortID`s.
    public var shortIDs: [String]?
    public var projectIDs: [Int]?

    public init(
        accountID: String,
        regionID: String,
        namePattern: NamePattern? = nil,
        fingerprintMD5: String? = nil,
        resourceGroupID: String? = nil,
        tags: [TagFilter] = [],
        names: [String]? = nil,
        shortIDs: [String]? = nil,
        projectIDs: [Int]? = nil
    ) {
        self.accountID = accountID
        self.regionID = regionID
        self.namePattern = namePattern
        self.fingerprintMD5 = fingerprintMD5
        self.resourceGroupID = resourceGroupID
        self.tags = tags
        self.names = names
        self.shortIDs = shortIDs
        self.projectIDs = projectIDs
    }

    /// The canonical form fingerprints are compared in: lowercase hex, no colons.
    public static func normalizedFingerprint(_ fingerprint: String) -> String {
        String(fingerprint.lowercased().filter { $0 != ":" })
    }
}
