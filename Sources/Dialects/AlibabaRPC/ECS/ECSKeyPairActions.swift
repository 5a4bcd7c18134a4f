import Foundation
import KeywardCore
import Services
import SSHKeys

/// ECS 2014-05-26 key pair actions, tag actions on key pairs, and DescribeRegions.
public struct ECSKeyPairActions: Sendable {
    public static let version = "2014-05-26"

    let keyPairs: KeyPairService
    let regions: RegionCatalog

    public init(keyPairs: KeyPairService, regions: RegionCatalog) {
        self.keyPairs = keyPairs
        self.regions = regions
    }

    public func register(into routes: inout RPCRoutes) {
        let v = Self.version
        routes.add(version: v, action: "CreateKeyPair") { try await self.createKeyPair($0) }
        routes.add(version: v, action: "ImportKeyPair") { try await self.importKeyPair($0) }
        routes.add(version: v, action: "DescribeKeyPairs") { try await self.describeKeyPairs($0) }
        routes.add(version: v, action: "DeleteKeyPairs") { try await self.deleteKeyPairs($0) }
        routes.add(version: v, action: "TagResources") { try await self.tagResources($0) }
        routes.add(version: v, action: "UntagResources") { try await self.untagResources($0) }
        routes.add(version: v, action: "ListTagResources") { try await self.listTagResources($0) }
        routes.add(version: v, action: "DescribeRegions") { try await self.describeRegions($0) }
    }

    func createKeyPair(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let requested = try p.required("KeyPairName")
        // Keyward extension: `KeyType=ed25519`; RSA-2048 otherwise, as ECS does.
        let algorithm: KeyAlgorithm
        switch p.optional("KeyType")?.lowercased() {
        case nil, "rsa": algorithm = .rsa2048
        case "ed25519": algorithm = .ed25519
        default: throw RPCError.invalidParameter("KeyType", "Valid values: rsa, ed25519.")
        }
        let (group, tags) = (p.optional("ResourceGroupId") ?? "", try p.tags())
        let created = try await call.perform(.createKeyPair) {
            // The name rule is checked after the door, so that a caller without permission learns nothing else.
            try await self.keyPairs.create(
                $0, regionID: call.regionID, name: try AlibabaProfile.keyPairName(requested, origin: .created), algorithm: algorithm, resourceGroupID: group, tags: tags
            )
        }
        return [
            ("KeyPairId", .string(created.keyPair.id)),
            ("KeyPairName", .string(created.keyPair.name)),
            ("KeyPairFingerPrint", .string(created.keyPair.fingerprintMD5)),
            ("PrivateKeyBody", .string(created.privateKeyPEM)),
        ]
    }

    func importKeyPair(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let requested = try p.required("KeyPairName")
        let body = try p.required("PublicKeyBody")
        let (group, tags) = (p.optional("ResourceGroupId") ?? "", try p.tags())
        let keyPair = try await call.perform(.importKeyPair) {
            try await self.keyPairs.importKey(
                $0, regionID: call.regionID, name: try AlibabaProfile.keyPairName(requested, origin: .imported), publicKeyBody: body, resourceGroupID: group, tags: tags
            )
        }
        return [
            ("KeyPairId", .string(keyPair.id)),
            ("KeyPairName", .string(keyPair.name)),
            ("KeyPairFingerPrint", .string(keyPair.fingerprintMD5)),
        ]
    }

    func describeKeyPairs(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let page = PageRequest(number: try p.int("PageNumber", default: 1, range: 1...1_000_000), size: try p.int("PageSize", default: 10, range: 1...50))
        let includePublicKey = try p.bool("IncludePublicKey", default: false)
        let query = KeyPairQuery(
            accountID: call.context.principal.accountID,
            regionID: call.regionID,
            namePattern: p.optional("KeyPairName").map(NamePattern.init),
            fingerprintMD5: p.optional("KeyPairFingerPrint"),
            resourceGroupID: p.optional("ResourceGroupId"),
            tags: try p.tagFilters()
        )
        let (result, bound) = try await call.perform(.describeKeyPairs) { authorized in
            let result = try await self.keyPairs.describe(authorized, query: query, page: page)
            return (result, try await self.keyPairs.boundInstances(authorized, regionID: call.regionID, names: result.items.map(\.name)))
        }
        let items: [JSONValue] = result.items.map { keyPair in
            var members: [(String, JSONValue)] = [
                ("KeyPairId", .string(keyPair.id)),
                ("KeyPairName", .string(keyPair.name)),
                ("KeyPairFingerPrint", .string(keyPair.fingerprintMD5)),
                ("CreationTime", .string(ECSTime.format(keyPair.creationTime))),
                ("ResourceGroupId", .string(keyPair.resourceGroupID)),
                ("Tags", .object([("Tag", .array(keyPair.tags.map { .object([("TagKey", .string($0.key)), ("TagValue", .string($0.value))]) }))])),
            ]
            if includePublicKey { members.append(("PublicKey", .string(keyPair.publicKey))) }
            // Beyond ECS: the instances the key pair is bound to.
            members.append(("InstanceIds", .object([("InstanceId", .array((bound[keyPair.name] ?? []).map(JSONValue.string)))])))
            return .object(members)
        }
        return [
            ("PageNumber", .int(page.number)),
            ("PageSize", .int(page.size)),
            ("TotalCount", .int(result.totalCount)),
            ("KeyPairs", .object([("KeyPair", .array(items))])),
        ]
    }

    func deleteKeyPairs(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let invalid = AlibabaErrorTable.rpcError(for: .invalidKeyPairNames(reason: "not a JSON array"))
        guard let names = try call.parameters.jsonStringArray("KeyPairNames", malformed: invalid) else {
            throw RPCError.missingParameter("KeyPairNames")
        }
        _ = try await call.perform(.deleteKeyPairs(names)) { try await self.keyPairs.delete($0, regionID: call.regionID, .names(names)) }
        return []
    }

    // MARK: Tags

    /// Resource ids per tag call, as ECS allows.
    static let tagResourceLimit = 50

    private func keyPairResourceIDs(_ p: RPCParameters) throws -> [String] {
        let type = try p.required("ResourceType")
        guard type.lowercased() == ResourceType.keyPair else { throw DomainError.invalidResourceType(type) }
        let ids = try p.indexedValues("ResourceId")
        guard ids.count <= Self.tagResourceLimit else { throw RPCError.invalidParameter("ResourceId", "At most \(Self.tagResourceLimit) resources.") }
        return ids
    }

    func tagResources(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let ids = try keyPairResourceIDs(call.parameters)
        guard !ids.isEmpty else { throw RPCError.missingParameter("ResourceId.1") }
        let tags = try call.parameters.tags()
        try await call.perform(.tagResources(ids)) { try await self.keyPairs.tag($0, regionID: call.regionID, resourceIDs: ids, tags: tags) }
        return []
    }

    func untagResources(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let ids = try keyPairResourceIDs(p)
        guard !ids.isEmpty else { throw RPCError.missingParameter("ResourceId.1") }
        let keys = try p.indexedValues("TagKey")
        let all = try p.bool("All", default: false)
        guard all || !keys.isEmpty else { throw RPCError.missingParameter("TagKey.1") }
        try await call.perform(.untagResources(ids)) { try await self.keyPairs.untag($0, regionID: call.regionID, resourceIDs: ids, keys: all ? nil : keys) }
        return []
    }

    func listTagResources(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let ids = try keyPairResourceIDs(p)
        let filters = try p.tagFilters()
        guard !ids.isEmpty || !filters.isEmpty else { throw RPCError.missingParameter("ResourceId.1") }
        let tags = try await call.perform(.listTagResources) {
            try await self.keyPairs.listTags($0, regionID: call.regionID, resourceIDs: ids, filters: filters)
        }
        let items: [JSONValue] = tags.map {
            .object([
                ("ResourceType", .string($0.resourceType)),
                ("ResourceId", .string($0.resourceID)),
                ("TagKey", .string($0.tag.key)),
                ("TagValue", .string($0.tag.value)),
            ])
        }
        return [("NextToken", .string("")), ("TagResources", .object([("TagResource", .array(items))]))]
    }

    // MARK: Regions

    func describeRegions(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        try await call.perform(.describeRegions) { _ in }
        let items: [JSONValue] = regions.regions(namedAfter: AlibabaProfile.regionNaming).map {
            .object([
                ("RegionId", .string($0.id)),
                ("LocalName", .string($0.localName)),
                ("RegionEndpoint", .string(call.parameters.optional("Endpoint") ?? "ecs.\($0.id).aliyuncs.com")),
                ("Status", .string("available")),
            ])
        }
        return [("Regions", .object([("Region", .array(items))]))]
    }
}

/// ECS's time format: UTC to the minute, e.g. `2023-09-04T08:33Z`; `seconds` gives RAM's `2023-09-04T08:33:12Z`.
enum ECSTime {
    static func format(_ date: Date) -> String {
        format(date, seconds: false)
    }

    static func format(_ date: Date, seconds withSeconds: Bool) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (year, month, day) = civil(fromDays: days)
        let secondOfDay = seconds - days * 86_400
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let minutes = "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60))"
        return withSeconds ? minutes + ":\(two(secondOfDay % 60))Z" : minutes + "Z"
    }

    /// Inverse of days-from-civil (Howard Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
