/// What DescribeInstances-style listings filter on. Every set field must match; a list matches any of its values.
public struct InstanceQuery: Sendable, Hashable {
    public var accountID: String
    public var regionID: String?
    public var ids: [String]?
    /// The first eight characters of the ids' random part (CVM's `ins-…`).
    public var shortIDs: [String]?
    public var keyPairName: String?
    public var statuses: Set<InstanceStatus>?
    public var namePattern: NamePattern?
    /// Exact names.
    public var names: [String]?
    public var imageID: String?
    public var privateAddresses: [String]?
    public var zoneIDs: [String]?

    public init(
        accountID: String, regionID: String?, ids: [String]? = nil, keyPairName: String? = nil, statuses: Set<InstanceStatus>? = nil,
        namePattern: NamePattern? = nil, imageID: String? = nil
    ) {
        self.accountID = accountID
        self.regionID = regionID
        self.ids = ids
        self.keyPairName = keyPairName
        self.statuses = statuses
        self.namePattern = namePattern
        self.imageID = imageID
    }
}
