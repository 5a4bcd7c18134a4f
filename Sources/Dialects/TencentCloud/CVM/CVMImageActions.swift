import Foundation
import KeywardCore
import Services

/// CVM 2017-03-12 image and instance type actions: the public Debian image under a stable `img-` id, custom images
/// captured from instances, and the Tencent-shaped instance types.
public struct CVMImageActions: Sendable {
    let images: ImageService
    let instances: InstanceService
    let regions: RegionCatalog

    public init(images: ImageService, instances: InstanceService, regions: RegionCatalog) {
        self.images = images
        self.instances = instances
        self.regions = regions
    }

    public func register(into handlers: inout [String: TencentHandler]) {
        handlers["DescribeImages"] = { try await self.describe($0) }
        handlers["CreateImage"] = { try await self.create($0) }
        handlers["DeleteImages"] = { try await self.delete($0) }
        handlers["DescribeInstanceTypeConfigs"] = { try await self.instanceTypes($0) }
    }

    // MARK: DescribeImages

    func describe(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        let ids = try p.optionalStrings("ImageIds")
        let filters = try p.limitedFilters()
        if ids != nil, !filters.isEmpty {
            throw TencentError("InvalidParameter.InvalidParameterCoexistImageIdsFilters", "`ImageIds` and `Filters` cannot be given together.")
        }
        if let ids, ids.count > CVMInstanceActions.batchLimit { throw TencentError("InvalidParameterValue.LimitExceeded", "At most 100 ImageIds.") }
        let (offset, limit) = try p.page()
        var predicates: [@Sendable (Image) -> Bool] = []
        if let ids {
            let wanted = Set(try ids.map { id throws(TencentError) in TencentProfile.imageIDPrefix + (try TencentProfile.IDFormat.image.shortID(id)) })
            predicates.append { wanted.contains(TencentProfile.imageID($0.id)) }
        }
        for (name, values) in filters {
            switch name {
            case "image-id":
                let wanted = Set(try values.map { id throws(TencentError) in TencentProfile.imageIDPrefix + (try TencentProfile.IDFormat.image.shortID(id)) })
                predicates.append { wanted.contains(TencentProfile.imageID($0.id)) }
            case "image-type":
                for value in values where !["PUBLIC_IMAGE", "PRIVATE_IMAGE", "SHARED_IMAGE"].contains(value) {
                    throw TencentError("InvalidParameterValue", "The image type `\(value)` is not PUBLIC_IMAGE, PRIVATE_IMAGE or SHARED_IMAGE.")
                }
                predicates.append { values.contains(Self.imageType($0)) }
            case "image-name":
                predicates.append { values.contains($0.name) }
            case "platform":
                // Tencent matches the platform loosely.
                predicates.append { image in values.contains { image.platform.range(of: $0, options: .caseInsensitive) != nil } }
            default:
                throw TencentError("InvalidFilter", "The filter `\(name)` is not supported.")
            }
        }
        let selected = predicates
        let found = try await call.perform(.describeImages) { authorized in
            try await self.images.describe(authorized, regionID: region, ids: nil, ownerAlias: nil)
        }.filter { image in selected.allSatisfy { $0(image) } }
        return [
            ("TotalCount", .int(found.count)),
            ("ImageSet", .array(found.dropFirst(offset).prefix(limit).map { Self.render($0) })),
        ]
    }

    static func imageType(_ image: Image) -> String { image.isPublic ? "PUBLIC_IMAGE" : "PRIVATE_IMAGE" }

    static func render(_ image: Image) -> JSONValue {
        .object([
            ("ImageId", .string(TencentProfile.imageID(image.id))),
            ("OsName", .string(image.osName)),
            ("ImageType", .string(imageType(image))),
            ("CreatedTime", .string(TencentProfile.time(image.creationTime))),
            ("ImageName", .string(image.name)),
            ("ImageDescription", .string(image.description)),
            ("ImageSize", .int(20)),
            ("Architecture", .string("x86_64")),
            ("ImageState", .string("NORMAL")),
            ("Platform", .string(image.platform)),
            ("ImageCreator", .string(image.ownerAccountID ?? "")),
            ("ImageSource", .string(image.isPublic ? "OFFICIAL" : "CREATE_IMAGE")),
            ("SyncPercent", .int(100)),
            ("IsSupportCloudinit", .bool(image.osType == .linux)),
            ("SnapshotSet", .array([])),
            ("Tags", .array([])),
            ("LicenseType", .string("TencentCloud")),
        ])
    }

    // MARK: CreateImage, DeleteImages

    func create(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        let name = try p.string("ImageName")
        let description = try p.optionalString("ImageDescription") ?? ""
        guard description.count <= 256 else { throw TencentError.invalidParameterValue("ImageDescription", "cannot exceed 256 characters") }
        guard !p.has("SnapshotIds"), !p.has("DataDiskIds") else {
            throw TencentError("UnsupportedOperation", "Images are made from an instance's system disk here: `SnapshotIds` and `DataDiskIds` are not supported.")
        }
        _ = try p.optionalString("ForcePoweroff")
        _ = try p.optionalString("Sysprep")
        let given = try p.string("InstanceId")
        _ = try TencentProfile.IDFormat.instance.shortID(given)
        let dryRun = try p.optionalBool("DryRun") ?? false
        let id = try await call.perform(.writeEach("ecs:CreateImage", [])) { authorized in
            let instanceID = try await CVMInstanceActions.resolve([given], instances: self.instances, authorized, region: region)[0]
            try authorized.require([.ecs("image/*"), .ecsIn(region: region, "instance/\(instanceID)")])
            if dryRun { throw TencentError.dryRun }
            return try await self.images.createImage(
                authorized, regionID: region, instanceID: instanceID, name: name, description: description, nameRule: .anyCharacters(maxLength: 60)
            )
        }
        return [("ImageId", .string(TencentProfile.imageID(id)))]
    }

    func delete(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        guard let given = try p.optionalStrings("ImageIds"), !given.isEmpty else { throw TencentError.missingParameter("ImageIds") }
        guard given.count <= 10 else { throw TencentError("InvalidParameterValue.LimitExceeded", "At most 10 ImageIds.") }
        let shorts = try given.map { id throws(TencentError) in try TencentProfile.IDFormat.image.shortID(id) }
        _ = try p.optionalBool("DeleteBindedSnap")
        let dryRun = try p.optionalBool("DryRun") ?? false
        try await call.perform(.writeEach("ecs:DeleteImage", [])) { authorized in
            // The whole batch is resolved, and each image's permission checked, before any is deleted.
            var ids: [String] = []
            for short in shorts {
                let id = try await Self.resolve(short, images: self.images, authorized, region: region)
                let image = try await self.images.describe(authorized, regionID: region, ids: [id], ownerAlias: nil).first
                guard let image, !image.isPublic else {
                    throw TencentError("InvalidImageId.IncorrectState", "The image `\(TencentProfile.imageIDPrefix)\(short)` is a public image and cannot be deleted.")
                }
                try authorized.require([.ecsIn(region: region, "image/\(id)")])
                ids.append(id)
            }
            if dryRun { throw TencentError.dryRun }
            // Instances made from an image keep their own disks: Tencent deletes images in use.
            for id in ids { try await self.images.delete(authorized, imageID: id, force: true) }
        }
        return []
    }

    // MARK: DescribeInstanceTypeConfigs

    func instanceTypes(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let region = try call.requiredRegion()
        let filters = try call.parameters.filters()
        var zones = try regions.region(region).zones.map(\.id)
        var types = CVMInstanceType.all
        for (name, values) in filters {
            switch name {
            case "zone": zones = zones.filter(values.contains)
            case "instance-family": types = types.filter { values.contains($0.family) }
            case "instance-type": types = types.filter { values.contains($0.name) }
            default: throw TencentError("InvalidFilter", "The filter `\(name)` is not supported.")
            }
        }
        let (selectedZones, selectedTypes) = (zones, types)
        try await call.perform(.read("ecs:DescribeInstanceTypes")) { _ in }
        let configs: [JSONValue] = selectedZones.flatMap { zone in
            selectedTypes.map { type in
                .object([
                    ("Zone", .string(zone)), ("InstanceType", .string(type.name)), ("InstanceFamily", .string(type.family)),
                    ("GPU", .int(0)), ("CPU", .int(type.cpu)), ("Memory", .int(type.memory)), ("FPGA", .int(0)), ("GpuCount", .int(0)),
                ])
            }
        }
        return [("InstanceTypeConfigSet", .array(configs))]
    }

    // MARK: Ids

    /// The image an `img-` short id names among those the caller sees in the region.
    static func resolve(_ short: String, images: ImageService, _ call: AuthorizedCall, region: String) async throws -> String {
        let wanted = TencentProfile.imageIDPrefix + short
        guard let image = try await images.describe(call, regionID: region, ids: nil, ownerAlias: nil).first(where: { TencentProfile.imageID($0.id) == wanted }) else {
            throw TencentError("InvalidImageId.NotFound", "The image `\(wanted)` does not exist.")
        }
        return image.id
    }
}
