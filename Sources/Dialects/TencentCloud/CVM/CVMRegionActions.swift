import KeywardCore
import Services

/// CVM DescribeRegions and DescribeZones over the region catalog.
public struct CVMRegionActions: Sendable {
    let regions: RegionCatalog

    public init(regions: RegionCatalog) {
        self.regions = regions
    }

    public func register(into handlers: inout [String: TencentHandler]) {
        let tencent = regions.regions(namedAfter: TencentProfile.regionNaming)
        handlers["DescribeRegions"] = { call in
            try await call.perform(.describeRegions) { _ in }
            let items: [JSONValue] = tencent.map {
                .object([("Region", .string($0.id)), ("RegionName", .string($0.localName)), ("RegionState", .string("AVAILABLE"))])
            }
            return [("TotalCount", .int(items.count)), ("RegionSet", .array(items))]
        }
        handlers["DescribeZones"] = { call in
            let id = try call.requiredRegion()
            let region = try await call.perform(.describeZones) { _ in try self.regions.region(id) }
            let items: [JSONValue] = region.zones.map {
                .object([("Zone", .string($0.id)), ("ZoneName", .string($0.localName)), ("ZoneId", .string(String($0.number))), ("ZoneState", .string("AVAILABLE"))])
            }
            return [("TotalCount", .int(items.count)), ("ZoneSet", .array(items))]
        }
    }
}
