import KeywardCore
import Services

/// CVM DescribeRegions and DescribeZones over the region catalog.
public struct CVMRegionActions: Sendable {
    let regions: RegionCatalog

    public init(regions: RegionCatalog) {
        self.regions = regions
    }

    public func register(into handlers: inout [String: TencentHandler]) {
        let tencent = regions.regions(namedAfter: "tencent")
        handlers["DescribeRegions"] = { call in
            try await call.perform(.read("ecs:DescribeRegions")) { _ in }
            let items: [JSONValue] = tencent.map {
                .object([("Region", .string($0.id)), ("RegionName", .string($0.localName)), ("RegionState", .string("AVAILABLE"))])
            }
            return [("TotalCount", .int(items.count)), ("RegionSet", .array(items))]
        }
        handlers["DescribeZones"] = { call in
            let id = try call.requiredRegion()
            guard let region = self.regions.regions.first(where: { $0.id == id }) else {
                throw TencentError("UnsupportedRegion", "The region `\(id)` is not supported.")
            }
            try await call.perform(.read("ecs:DescribeZones")) { _ in }
            let items: [JSONValue] = region.zones.map {
                .object([("Zone", .string($0.id)), ("ZoneName", .string($0.localName)), ("ZoneId", .string(String($0.number))), ("ZoneState", .string("AVAILABLE"))])
            }
            return [("TotalCount", .int(items.count)), ("ZoneSet", .array(items))]
        }
    }
}
