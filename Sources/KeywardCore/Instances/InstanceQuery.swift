/// What DescribeInstances-style listings filter on. Every set field must match.
public struct InstanceQuery: Sendable, Hashable {
    public var accountID: String
    public var regionID: String?
    public var ids: [String]?
    public var keyPairName: String?
    public var status: InstanceStatus?
    public var namePattern: NamePattern?
    public var imageID: String?

    public init(
        accountID: String, regionID: String?, ids: [String]? = nil, keyPairName: String? = nil, status: InstanceStatus? = nil,
        namePattern: NamePattern? = nil, imageID: String? = nil
    ) {
        self.accountID = accountID
        self.regionID = regionID
        self.ids = ids
        self.keyPairName = keyPairName
        self.status = status
        self.namePattern = namePattern
        self.imageID = imageID
    }
}
