/// A region of the control plane: resources and quotas are scoped to an account and a region.
public struct Region: Sendable, Hashable {
    public let id: String
    public let localName: String

    public init(id: String, localName: String) {
        self.id = id
        self.localName = localName
    }
}

/// The regions this control plane serves.
public struct RegionCatalog: Sendable {
    public let regions: [Region]
    public let defaultRegionID: String

    public init(regions: [Region], defaultRegionID: String) {
        self.regions = regions
        self.defaultRegionID = defaultRegionID
    }

    /// The regions named after Alibaba Cloud's, so that existing scripts and SDK defaults work unchanged.
    public static let standard = RegionCatalog(
        regions: [
            Region(id: "cn-hangzhou", localName: "华东1（杭州）"),
            Region(id: "cn-shanghai", localName: "华东2（上海）"),
            Region(id: "cn-beijing", localName: "华北2（北京）"),
            Region(id: "cn-shenzhen", localName: "华南1（深圳）"),
            Region(id: "cn-qingdao", localName: "华北1（青岛）"),
            Region(id: "cn-zhangjiakou", localName: "华北3（张家口）"),
            Region(id: "cn-hongkong", localName: "中国香港"),
            Region(id: "ap-southeast-1", localName: "新加坡"),
            Region(id: "us-west-1", localName: "美国（硅谷）"),
            Region(id: "eu-central-1", localName: "德国（法兰克福）"),
        ],
        defaultRegionID: "cn-hangzhou"
    )

    /// The region with this id, or `DomainError.invalidRegion`.
    public func region(_ id: String) throws(DomainError) -> Region {
        guard let region = regions.first(where: { $0.id == id }) else { throw .invalidRegion(id) }
        return region
    }
}
