import Foundation
import Instances
import KeywardCore
import Logging
import SSHKeys
import Store

/// A key pair just created: the record, and the private key that exists only in this value.
public struct CreatedKeyPair: Sendable {
    public let keyPair: KeyPair
    /// Unencrypted private key PEM. Never stored or logged; hand it to the caller once.
    public let privateKeyPEM: String
}

/// One tag on one resource, as tag listings report it.
public struct ResourceTag: Sendable, Hashable {
    public let resourceType: String
    public let resourceID: String
    public let tag: Tag
}

/// How access control sees the key pair actions (resources as ECS's RAM table names them).
extension Operation {
    public static let createKeyPair = Operation.write("ecs:CreateKeyPair", [.ecs("keypair/*")])
    public static let importKeyPair = Operation.write("ecs:ImportKeyPair", [.ecs("keypair/*")])
    public static let describeKeyPairs = Operation.read("ecs:DescribeKeyPairs", [.ecs("keypair/*")], filters: true)
    /// The key pairs are named by the request only when they are known (a Tencent KeyId is resolved in the use case).
    public static func modifyKeyPairAttribute(_ name: String?) -> Operation { .writeEach("ecs:ModifyKeyPairAttribute", name.map { [.ecs("keypair/\($0)")] } ?? []) }
    public static func deleteKeyPairs(_ names: [String]) -> Operation { .writeEach("ecs:DeleteKeyPairs", names.map { .ecs("keypair/\($0)") }) }
    public static let deleteKeyPairsByID = Operation.writeEach("ecs:DeleteKeyPairs", [])
    public static func tagResources(_ ids: [String]) -> Operation { .writeEach("ecs:TagResources", ids.map { .ecs("keypair/\($0)") }) }
    public static func untagResources(_ ids: [String]) -> Operation { .writeEach("ecs:UntagResources", ids.map { .ecs("keypair/\($0)") }) }
    public static let listTagResources = Operation.read("ecs:ListTagResources", [.ecs("keypair/*")], filters: true)
    public static let describeRegions = Operation.read("ecs:DescribeRegions")
    public static let describeZones = Operation.read("ecs:DescribeZones")
}

/// The key pair use cases: create, import, describe, delete, tag.
public struct KeyPairService: Sendable {
    private let store: any Store
    private let regions: RegionCatalog
    private let logger: Logger
    private let keys: KeyPool

    /// `keys` hands out RSA keys generated ahead; without one, every key is generated when asked for.
    public init(store: any Store, regions: RegionCatalog, logger: Logger, keys: KeyPool = KeyPool(capacity: 0)) {
        self.store = store
        self.regions = regions
        self.logger = logger
        self.keys = keys
    }

    /// Generates a key pair and registers its public half; the private key is returned, never kept.
    public func create(
        _ call: AuthorizedCall, regionID: String,
        name: KeyPairName,
        algorithm: KeyAlgorithm = .rsa2048,
        resourceGroupID: String = "",
        projectID: Int = 0,
        tags: [Tag] = []
    ) async throws -> CreatedKeyPair {
        try call.expect("ecs:CreateKeyPair")
        let principal = call.principal
        let region = try regions.region(regionID)
        try Tag.validateSet(tags)
        call.note("change", "key pair created; its private key was returned once and is not kept")
        let generated = try await keys.take(algorithm)
        let keyPair = KeyPair(
            name: name, publicKey: generated.publicKey, accountID: principal.accountID, regionID: region.id,
            resourceGroupID: resourceGroupID, projectID: projectID, tags: tags, now: Date()
        )
        call.noteResource(.ecs("keypair/\(keyPair.name)"))
        try await call.write { tx in try await Self.insert(keyPair, in: tx) }
        logger.info("key pair created", metadata: ["keyPairName": "\(keyPair.name)", "region": "\(region.id)", "type": "\(keyPair.keyType)"])
        return CreatedKeyPair(keyPair: keyPair, privateKeyPEM: generated.privateKeyPEM)
    }

    /// Registers a public key the caller already has.
    public func importKey(
        _ call: AuthorizedCall, regionID: String,
        name: KeyPairName,
        publicKeyBody: String,
        resourceGroupID: String = "",
        projectID: Int = 0,
        tags: [Tag] = []
    ) async throws -> KeyPair {
        try call.expect("ecs:ImportKeyPair")
        let principal = call.principal
        let region = try regions.region(regionID)
        try Tag.validateSet(tags)
        let publicKey: PublicKey
        do {
            publicKey = try PublicKey(parsing: publicKeyBody)
        } catch {
            throw DomainError.invalidPublicKeyBody(reason: error.description)
        }
        call.note("change", "key pair imported")
        let keyPair = KeyPair(
            name: name, publicKey: publicKey, accountID: principal.accountID, regionID: region.id,
            resourceGroupID: resourceGroupID, projectID: projectID, tags: tags, now: Date()
        )
        call.noteResource(.ecs("keypair/\(keyPair.name)"))
        try await call.write { tx in try await Self.insert(keyPair, in: tx) }
        logger.info("key pair imported", metadata: ["keyPairName": "\(keyPair.name)", "region": "\(region.id)", "type": "\(keyPair.keyType)"])
        return keyPair
    }

    /// A key pair deleted while still bound keeps its name reserved until no instance carries it, as ECS documents.
    private static func insert(_ keyPair: KeyPair, in tx: any StoreTransaction) async throws {
        guard try await carriers(of: keyPair.name, accountID: keyPair.accountID, regionID: keyPair.regionID, in: tx).isEmpty else {
            throw DomainError.keyPairAlreadyExists(keyPair.name)
        }
        try await tx.insertKeyPair(keyPair, quota: KeyPair.quotaPerRegion)
    }

    /// The ids of the instances each named key pair is bound to.
    public func boundInstances(_ call: AuthorizedCall, regionID: String, names: [String]) async throws -> [String: [String]] {
        let principal = call.principal
        guard !names.isEmpty else { return [:] }
        let found = try await store.read { tx in try await tx.boundInstanceIDs(accountID: principal.accountID, regionID: regionID, keyPairNames: names) }
        return Dictionary(uniqueKeysWithValues: Set(names).map { ($0, found[$0] ?? []) })
    }

    /// The caller's key pairs in a region that match `query`'s filters, one page of them. A caller allowed on only some
    /// key pairs sees only those: the others are filtered out before paging, so neither their names nor their count show.
    public func describe(_ call: AuthorizedCall, query: KeyPairQuery, page: PageRequest) async throws -> Page<KeyPair> {
        _ = try regions.region(query.regionID)
        var query = query
        query.accountID = call.accountID
        let scoped = query
        if call.isUnrestricted {
            return try await store.read { tx in try await tx.keyPairs(matching: scoped, page: page) }
        }
        let all = try await store.read { tx in try await tx.keyPairs(matching: scoped, page: nil) }.items
        let visible = all.filter { call.isAllowed([.ecs("keypair/\($0.name)")], conditions: Operation.tagConditions($0.tags)) }
        return Page(items: Array(visible.dropFirst(page.offset).prefix(page.size)), totalCount: visible.count, request: page)
    }

    /// How a call names key pairs: by name (ECS), or by the short id (Tencent's `skey-…`).
    public enum Selection: Sendable {
        case names([String])
        /// Every id must name a key pair of the caller (`DomainError.keyPairIDNotFound` otherwise).
        case shortIDs([String])
    }

    public static let deleteLimit = 100

    /// Deletes the selected key pairs of the caller: names that do not exist are ignored, ids must all exist. With
    /// `refuseBound`, a key pair any instance carries is refused (`DomainError.keyPairInUse`). All or nothing.
    @discardableResult
    public func delete(_ call: AuthorizedCall, regionID: String, _ selection: Selection, refuseBound: Bool = false) async throws -> [String] {
        try call.expect("ecs:DeleteKeyPairs")
        let region = try regions.region(regionID)
        let count = switch selection {
        case .names(let names): names.count
        case .shortIDs(let ids): ids.count
        }
        guard (1...Self.deleteLimit).contains(count) else {
            throw DomainError.invalidKeyPairNames(reason: "between 1 and \(Self.deleteLimit) names are required")
        }
        call.note("change", "key pairs deleted")
        let accountID = call.accountID
        let deleted = try await call.write { tx in
            let (selected, names) = try await Self.select(selection, accountID: accountID, regionID: region.id, in: tx)
            for name in names {
                call.noteResource(.ecs("keypair/\(name)"))
                try call.require([.ecs("keypair/\(name)")], conditions: Operation.tagConditions(selected.first { $0.name == name }?.tags ?? []))
                if refuseBound, let carrier = try await Self.carriers(of: name, accountID: accountID, regionID: region.id, in: tx).first {
                    throw DomainError.keyPairInUse(name: name, instanceID: carrier.id)
                }
            }
            return try await tx.deleteKeyPairs(accountID: accountID, regionID: region.id, names: names)
        }
        logger.info("key pairs deleted", metadata: ["count": "\(deleted.count)", "region": "\(region.id)"])
        return deleted
    }

    /// Renames a key pair and sets its description. A key pair an instance carries keeps its name
    /// (`DomainError.keyPairInUse`), and a name an instance still carries is taken.
    @discardableResult
    public func modify(_ call: AuthorizedCall, regionID: String, _ selection: Selection, newName: KeyPairName?, description: String?) async throws -> KeyPair {
        try call.expect("ecs:ModifyKeyPairAttribute")
        let region = try regions.region(regionID)
        let accountID = call.accountID
        call.note("change", newName.map { "key pair renamed to \($0.value)" } ?? "key pair description changed")
        return try await call.write { tx in
            let (selected, names) = try await Self.select(selection, accountID: accountID, regionID: region.id, in: tx)
            guard names.count == 1, var keyPair = selected.first else { throw DomainError.invalidKeyPairNames(reason: "one key pair at a time") }
            let name = keyPair.name
            call.noteResource(.ecs("keypair/\(name)"))
            try call.require([.ecs("keypair/\(name)")], conditions: Operation.tagConditions(keyPair.tags))
            let renamed = newName?.value ?? name
            if renamed != name {
                // The new name is a resource the caller must be allowed on too, and must be free everywhere.
                try call.require([.ecs("keypair/\(renamed)")], conditions: Operation.tagConditions(keyPair.tags))
                if let carrier = try await Self.carriers(of: name, accountID: accountID, regionID: region.id, in: tx).first {
                    throw DomainError.keyPairInUse(name: name, instanceID: carrier.id)
                }
                guard try await Self.carriers(of: renamed, accountID: accountID, regionID: region.id, in: tx).isEmpty else {
                    throw DomainError.keyPairAlreadyExists(renamed)
                }
            }
            if let description { keyPair.description = description }
            try await tx.updateKeyPair(id: keyPair.id, name: renamed, description: keyPair.description)
            return try await tx.keyPairs(matching: KeyPairQuery(accountID: accountID, regionID: region.id, names: [renamed]), page: nil).items.first ?? keyPair
        }
    }

    /// The selected key pairs that exist, and the names the call is about.
    private static func select(_ selection: Selection, accountID: String, regionID: String, in tx: any StoreTransaction) async throws
        -> (keyPairs: [KeyPair], names: [String])
    {
        switch selection {
        case .names(let names):
            let found = try await tx.keyPairs(matching: KeyPairQuery(accountID: accountID, regionID: regionID, names: names), page: nil).items
            return (found, names)
        case .shortIDs(let ids):
            let found = try await tx.keyPairs(matching: KeyPairQuery(accountID: accountID, regionID: regionID, shortIDs: ids), page: nil).items
            let names = try ids.map { id throws(DomainError) in
                guard let keyPair = found.first(where: { $0.shortID == id }) else { throw .keyPairIDNotFound(id) }
                return keyPair.name
            }
            return (found, names)
        }
    }

    /// The instances that carry a key pair by this name (also one deleted while bound, whose name stays reserved).
    private static func carriers(of name: String, accountID: String, regionID: String, in tx: any StoreTransaction) async throws -> [Instance] {
        try await tx.instances(matching: InstanceQuery(accountID: accountID, regionID: regionID, keyPairName: name), page: nil).items
    }

    // MARK: Tags

    /// Adds or overwrites tags on key pairs, identified by name or id. All or nothing.
    public func tag(_ call: AuthorizedCall, regionID: String, resourceIDs: [String], tags: [Tag]) async throws {
        let principal = call.principal
        let region = try regions.region(regionID)
        guard !tags.isEmpty else { throw DomainError.missingParameter("Tag.1.Key") }
        try Tag.validateSet(tags)
        try await call.write { tx in
            for keyPair in try await Self.resolve(resourceIDs, principal: principal, region: region.id, in: tx) {
                try Self.requireKeyPair(call, keyPair)
                let existing = try await tx.tags(resourceType: ResourceType.keyPair, resourceIDs: [keyPair.id])[keyPair.id] ?? []
                let merged = Set(existing.map(\.key)).union(tags.map(\.key))
                guard merged.count <= Tag.limitPerResource else { throw DomainError.tooManyTags(limit: Tag.limitPerResource) }
                try await tx.setTags(tags, resourceType: ResourceType.keyPair, resourceID: keyPair.id, accountID: principal.accountID, regionID: region.id)
            }
        }
    }

    /// Removes the given tag keys (or all tags) from key pairs, identified by name or id.
    public func untag(_ call: AuthorizedCall, regionID: String, resourceIDs: [String], keys: [String]?) async throws {
        let principal = call.principal
        let region = try regions.region(regionID)
        try await call.write { tx in
            for keyPair in try await Self.resolve(resourceIDs, principal: principal, region: region.id, in: tx) {
                try Self.requireKeyPair(call, keyPair)
                try await tx.removeTags(keys: keys, resourceType: ResourceType.keyPair, resourceID: keyPair.id)
            }
        }
    }

    /// The tags of key pairs: of the given resources, or of every key pair carrying all `filters`.
    public func listTags(_ call: AuthorizedCall, regionID: String, resourceIDs: [String], filters: [TagFilter]) async throws -> [ResourceTag] {
        let principal = call.principal
        let region = try regions.region(regionID)
        return try await store.read { tx in
            let keyPairs: [KeyPair]
            if resourceIDs.isEmpty {
                keyPairs = try await tx.keyPairs(matching: KeyPairQuery(accountID: principal.accountID, regionID: region.id, tags: filters), page: nil).items
            } else {
                // Listing is a filter: ids that name no key pair simply contribute nothing.
                let all = try await tx.keyPairs(matching: KeyPairQuery(accountID: principal.accountID, regionID: region.id), page: nil).items
                keyPairs = all.filter { keyPair in resourceIDs.contains(keyPair.name) || resourceIDs.contains(keyPair.id) }.filter { keyPair in
                    filters.allSatisfy { $0.matches(keyPair.tags) }
                }
            }
            return keyPairs.filter { call.isUnrestricted || call.isAllowed([.ecs("keypair/\($0.name)")], conditions: Operation.tagConditions($0.tags)) }
                .flatMap { keyPair in
                keyPair.tags.map { ResourceTag(resourceType: ResourceType.keyPair, resourceID: keyPair.name, tag: $0) }
            }
        }
    }

    /// Refuses the call unless its action is allowed on the key pair, named by name or by id, with its tags.
    private static func requireKeyPair(_ call: AuthorizedCall, _ keyPair: KeyPair) throws {
        let tags = Operation.tagConditions(keyPair.tags)
        guard call.isAllowed([.ecs("keypair/\(keyPair.name)")], conditions: tags) || call.isAllowed([.ecs("keypair/\(keyPair.id)")], conditions: tags) else {
            try call.require([.ecs("keypair/\(keyPair.name)")], conditions: tags)
            return
        }
    }

    /// Key pairs named by name or id; any unknown one fails the whole request.
    private static func resolve(_ ids: [String], principal: Principal, region: String, in tx: any StoreTransaction) async throws -> [KeyPair] {
        guard !ids.isEmpty else { throw DomainError.missingParameter("ResourceId.1") }
        let all = try await tx.keyPairs(matching: KeyPairQuery(accountID: principal.accountID, regionID: region), page: nil).items
        return try ids.map { id in
            guard let keyPair = all.first(where: { $0.name == id || $0.id == id }) else {
                throw DomainError.resourceNotFound(type: ResourceType.keyPair, id: id)
            }
            return keyPair
        }
    }
}
