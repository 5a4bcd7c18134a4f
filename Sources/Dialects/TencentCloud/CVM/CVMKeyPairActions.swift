import Foundation
import KeywardCore
import Services

/// CVM 2017-03-12 key pair actions over the same key pairs ECS sees.
public struct CVMKeyPairActions: Sendable {
    let keyPairs: KeyPairService

    public init(keyPairs: KeyPairService) {
        self.keyPairs = keyPairs
    }

    public func register(into handlers: inout [String: TencentHandler]) {
        handlers["CreateKeyPair"] = { try await self.create($0) }
        handlers["ImportKeyPair"] = { try await self.importKey($0) }
        handlers["DescribeKeyPairs"] = { try await self.describe($0) }
        handlers["ModifyKeyPairAttribute"] = { try await self.modify($0) }
        handlers["DeleteKeyPairs"] = { try await self.delete($0) }
    }

    func create(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let name = try TencentProfile.keyPairName(try p.string("KeyName"))
        guard let project = try p.optionalInt("ProjectId") else { throw TencentError.missingParameter("ProjectId") }
        let tags = try Self.tags(p)
        let region = try call.requiredRegion()
        let created = try await call.perform(.createKeyPair) {
            try await self.keyPairs.create($0, regionID: region, name: name, projectID: project, tags: tags)
        }
        var rendered = Self.render(created.keyPair, instances: [])
        rendered.append(("PrivateKey", .string(created.privateKeyPEM)))
        return [("KeyPair", .object(rendered))]
    }

    func importKey(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let name = try TencentProfile.keyPairName(try p.string("KeyName"))
        guard let project = try p.optionalInt("ProjectId") else { throw TencentError.missingParameter("ProjectId") }
        let body = try p.string("PublicKey")
        let tags = try Self.tags(p)
        let region = try call.requiredRegion()
        let keyPair = try await call.perform(.importKeyPair) {
            try await self.keyPairs.importKey($0, regionID: region, name: name, publicKeyBody: body, projectID: project, tags: tags)
        }
        return [("KeyId", .string(TencentProfile.keyID(keyPair)))]
    }

    func describe(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        let ids = try p.optionalStrings("KeyIds")
        if let ids, ids.count > 100 { throw TencentError("InvalidParameterValue.LimitExceeded", "At most 100 KeyIds.") }
        let filters = try p.limitedFilters()
        if ids != nil, !filters.isEmpty { throw TencentError("InvalidParameter", "`KeyIds` and `Filters` cannot be given together.") }
        let (offset, limit) = try p.page()
        var query = KeyPairQuery(accountID: call.context.principal.accountID, regionID: region)
        if let ids { query.shortIDs = try TencentProfile.IDFormat.keyPair.shortIDs(ids) }
        for (name, values) in filters {
            switch name {
            case "key-name":
                query.names = (query.names ?? values).filter(values.contains)
            case "project-id":
                let projects = try values.map { value throws(TencentError) in
                    guard let number = Int(value) else { throw TencentError.invalidParameterValue("Filters.project-id", "`\(value)` is not a project id") }
                    return number
                }
                query.projectIDs = (query.projectIDs ?? projects).filter(projects.contains)
            case "tag-key":
                guard values.count == 1 else { throw TencentError("InvalidFilterValue.LimitExceeded", "Filter `tag-key` takes one value here.") }
                query.tags.append(TagFilter(key: values[0], value: nil))
            case let tag where tag.hasPrefix("tag:"):
                query.tags.append(TagFilter(key: String(tag.dropFirst(4)), anyOf: values))
            default:
                throw TencentError("InvalidFilter", "The filter `\(name)` is not supported.")
            }
        }
        let scoped = query
        let (page, bound) = try await call.perform(.describeKeyPairs) { authorized in
            let page = try await self.keyPairs.describe(authorized, query: scoped, page: PageRequest(offset: offset, size: limit))
            return (page, try await self.keyPairs.boundInstances(authorized, regionID: region, names: page.items.map(\.name)))
        }
        return [
            ("TotalCount", .int(page.totalCount)),
            ("KeyPairSet", .array(page.items.map { .object(Self.render($0, instances: bound[$0.name] ?? [])) })),
        ]
    }

    func modify(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        let id = try TencentProfile.IDFormat.keyPair.shortID(try p.string("KeyId"))
        let newName = try p.optionalString("KeyName").map { name throws(TencentError) in try TencentProfile.keyPairName(name) }
        let description = try p.optionalString("Description")
        guard newName != nil || description != nil else {
            throw TencentError("MissingParameter", "At least one of `KeyName` and `Description` is required.")
        }
        if let description, description.count > 60 {
            throw TencentError.invalidParameterValue("Description", "cannot exceed 60 characters")
        }
        _ = try await call.perform(.modifyKeyPairAttribute(nil)) {
            try await self.keyPairs.modify($0, regionID: region, .shortIDs([id]), newName: newName, description: description)
        }
        return []
    }

    func delete(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        guard let given = try p.optionalStrings("KeyIds"), !given.isEmpty else { throw TencentError.missingParameter("KeyIds") }
        guard given.count <= KeyPairService.deleteLimit else { throw TencentError("InvalidParameterValue.LimitExceeded", "At most 100 KeyIds.") }
        let ids = try TencentProfile.IDFormat.keyPair.shortIDs(given)
        _ = try await call.perform(.deleteKeyPairsByID) {
            try await self.keyPairs.delete($0, regionID: region, .shortIDs(ids), refuseBound: true)
        }
        return []
    }

    /// `TagSpecification[{ResourceType: "keypair", Tags: [{Key, Value}]}]`.
    static func tags(_ p: TencentParameters) throws -> [Tag] {
        var tags: [Tag] = []
        for specification in try p.optionalObjects("TagSpecification") ?? [] {
            guard (try specification.optionalString("ResourceType") ?? "keypair") == "keypair" else {
                throw TencentError.invalidParameterValue("TagSpecification.ResourceType", "must be keypair")
            }
            for tag in try specification.optionalObjects("Tags") ?? [] {
                tags.append(try Tag(key: try tag.string("Key"), value: try tag.optionalString("Value") ?? ""))
            }
        }
        return tags
    }

    static func render(_ keyPair: KeyPair, instances: [String]) -> [(String, JSONValue)] {
        [
            ("KeyId", .string(TencentProfile.keyID(keyPair))),
            ("KeyName", .string(keyPair.name)),
            ("ProjectId", .int(keyPair.projectID)),
            ("Description", .string(keyPair.description)),
            ("PublicKey", .string(keyPair.publicKey)),
            ("AssociatedInstanceIds", .array(instances.map { .string(TencentProfile.instanceID($0)) })),
            ("CreatedTime", .string(TencentProfile.time(keyPair.creationTime))),
            ("Tags", .array(keyPair.tags.map { .object([("Key", .string($0.key)), ("Value", .string($0.value))]) })),
        ]
    }
}
