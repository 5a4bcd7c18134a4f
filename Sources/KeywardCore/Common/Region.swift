/// A region of the control plane: resources and quotas are scoped to an account and a region.
public struct Region: Sendable, Hashable {
    /// A zone of a region: its name, its number and how it is described.
    public struct Zone: Sendable, Hashable {
        public let id: String
        public let number: Int
        public let localName: String

        public init(id: String, number: Int, localName: String) {
            self.id = id
            self.number = number
            self.localName = localName
        }
    }

    public let id: String
    public let localName: String
    /// Whose naming the region follows (`alibaba`, `tencent`): each dialect lists its own, and any dialect reaches any.
    public let namedAfter: String
    public let zones: [Zone]

    public init(id: String, localName: String, namedAfter: String = "alibaba", zones: [Zone] = []) {
        self.id = id
        self.localName = localName
        self.namedAfter = namedAfter
        self.zones = zones
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
            Region(id: "ap-guangzhou", localName: "华南地区(广州)", namedAfter: "tencent", zones: tencentZones("ap-guangzhou", "Guangzhou", 100_000, [3, 4, 6, 7])),
            Region(id: "ap-shanghai", localName: "华东地区(上海)", namedAfter: "tencent", zones: tencentZones("ap-shanghai", "Shanghai", 200_000, [2, 4, 5])),
            Region(id: "ap-beijing", localName: "华北地区(北京)", namedAfter: "tencent", zones: tencentZones("ap-beijing", "Beijing", 800_000, [3, 5, 6])),
            Region(id: "ap-singapore", localName: "亚太东南(新加坡)", namedAfter: "tencent", zones: tencentZones("ap-singapore", "Singapore", 900_000, [1, 2])),
        ],
        defaultRegionID: "cn-hangzhou"
    )

    private static func tencentZones(_ region: String, _ city: String, _ base: Int, _ numbers: [Int]) -> [Region.Zone] {
        numbers.map { Region.Zone(id: "\(region)-\($0)", number: base + $0, localName: "\(city) Zone \($0)") }
    }

    /// The regions that follow `naming`.
    public func regions(namedAfter naming: String) -> [Region] {
        regions.filter { $0.namedAfter == naming }
    }

    /// The region with this id, or `DomainError.invalidRegion`.
    public func region(_ id: String) throws(DomainError) -> Region {
        guard let region = regions.first(where: { $0.id == id }) else { throw .invalidRegion(id) }
        return region
    }
}
