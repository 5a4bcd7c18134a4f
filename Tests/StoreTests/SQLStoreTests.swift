import Foundation
import KeywardCore
import Logging
import Store
import Testing

@Suite struct SQLStoreTests {
    static let account = "acct-1"

    static func store(path: String? = nil) async throws -> SQLStore {
        let store = try await SQLStore.sqlite(path: path, logger: Logger(label: "test"))
        try await store.write { tx in try await tx.insertAccount(id: account, name: "test-\(UUID().uuidString)", createdAt: Date()) }
        return store
    }

    static func keyPair(_ name: String, region: String = "cn-hangzhou", fingerprint: String = "aa:bb", tags: [KeywardCore.Tag] = []) -> KeyPair {
        KeyPair(
            id: ResourceID.make(prefix: "skp"), accountID: account, regionID: region, name: name, publicKey: "ssh-ed25519 AAAA",
            keyType: "ssh-ed25519", fingerprintMD5: fingerprint, fingerprintSHA256: "SHA256:x", resourceGroupID: "", creationTime: Date(), tags: tags
        )
    }

    static func count(_ store: SQLStore, region: String = "cn-hangzhou") async throws -> Int {
        try await store.read { tx in try await tx.keyPairs(matching: KeyPairQuery(accountID: account, regionID: region), page: nil).totalCount }
    }

    @Test func duplicateNameInTheSameRegionIsRefusedButAllowedInAnother() async throws {
        let store = try await Self.store()
        try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("a"), quota: 10) }
        await #expect(throws: DomainError.keyPairAlreadyExists("a")) {
            try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("a"), quota: 10) }
        }
        try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("a", region: "cn-beijing"), quota: 10) }
        #expect(try await Self.count(store) == 1)
    }

    @Test func quotaIsEnforcedByTheDatabaseAndFreedByDeletion() async throws {
        let store = try await Self.store()
        for index in 0..<3 {
            try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("k\(index)"), quota: 3) }
        }
        await #expect(throws: DomainError.keyPairQuotaExceeded(limit: 3)) {
            try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("k3"), quota: 3) }
        }
        #expect(try await Self.count(store) == 3)
        let deleted = try await store.write { tx in try await tx.deleteKeyPairs(accountID: Self.account, regionID: "cn-hangzhou", names: ["k0", "nope"]) }
        #expect(deleted == ["k0"])
        try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("k3"), quota: 3) }
        #expect(try await Self.count(store) == 3)
    }

    @Test func concurrentWritersNeverExceedTheQuotaOrDuplicateANameOnDisk() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kw-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await Self.store(path: directory + "/db.sqlite3")
        let outcomes = await withTaskGroup(of: String.self) { group in
            for index in 0..<64 {
                group.addTask {
                    do {
                        let keyPair = index % 2 == 0 ? Self.keyPair("same", region: "cn-beijing") : Self.keyPair("k\(index)")
                        try await store.write { tx in try await tx.insertKeyPair(keyPair, quota: 20) }
                        return "ok"
                    } catch let error as DomainError {
                        return "\(error)"
                    } catch {
                        return "unexpected \(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "ok" }.count == 21)
        #expect(!outcomes.contains { $0.hasPrefix("unexpected") })
        #expect(try await Self.count(store) == 20)
        let same = try await store.read { tx in
            try await tx.keyPairs(matching: KeyPairQuery(accountID: Self.account, regionID: "cn-beijing", names: ["same"]), page: nil).totalCount
        }
        #expect(same == 1)
        await store.close()
    }

    @Test func listingFiltersByWildcardFingerprintAndTagsAndPages() async throws {
        let store = try await Self.store()
        try await store.write { tx in
            try await tx.insertKeyPair(Self.keyPair("web-1", fingerprint: "0a:0b", tags: [try KeywardCore.Tag(key: "env", value: "prod")]), quota: 50)
            try await tx.insertKeyPair(Self.keyPair("web-2", tags: [try KeywardCore.Tag(key: "env", value: "dev")]), quota: 50)
            try await tx.insertKeyPair(Self.keyPair("db_1"), quota: 50)
            try await tx.insertKeyPair(Self.keyPair("dbx1"), quota: 50)
        }
        func names(_ query: KeyPairQuery, page: PageRequest? = nil) async throws -> [String] {
            try await store.read { tx in try await tx.keyPairs(matching: query, page: page).items.map(\.name) }
        }
        let base = KeyPairQuery(accountID: Self.account, regionID: "cn-hangzhou")
        var query = base
        query.namePattern = NamePattern("web*")
        #expect(try await names(query).sorted() == ["web-1", "web-2"])
        query.namePattern = NamePattern("db_*")  // `_` is literal, not LIKE's single-character wildcard
        #expect(try await names(query) == ["db_1"])
        query.namePattern = NamePattern("WEB*")
        #expect(try await names(query).isEmpty)
        query = base
        query.fingerprintMD5 = "0A0B"
        #expect(try await names(query) == ["web-1"])
        query = base
        query.tags = [TagFilter(key: "env", value: nil)]
        #expect(try await names(query).sorted() == ["web-1", "web-2"])
        query.tags = [TagFilter(key: "env", value: "dev")]
        #expect(try await names(query) == ["web-2"])
        let page = try await store.read { tx in try await tx.keyPairs(matching: base, page: PageRequest(number: 2, size: 3)) }
        #expect(page.totalCount == 4)
        #expect(page.items.count == 1)
    }

    @Test func anInstanceCarryingSeveralKeyPairsIsFoundUnderEachUntilItDropsOne() async throws {
        let store = try await Self.store()
        var credentials = InstanceCredentials()
        credentials.add(BoundKeyPair(name: "a", publicKey: "ssh-ed25519 A"))
        credentials.add(BoundKeyPair(name: "b", publicKey: "ssh-ed25519 B"))
        var instance = Instance(
            id: ResourceID.make(prefix: "i"), accountID: Self.account, regionID: "cn-hangzhou", name: "web", hostName: "web", imageID: "img",
            instanceType: "ecs.g7.large", osType: .linux, status: .stopped, bound: credentials, effective: nil, firstBootPending: true,
            passwordInherit: false, endpoint: nil, userData: "", metadataTokensRequired: false, metadataEnabled: true, creationTime: Date(),
            startTime: nil, firstBootReport: []
        )
        try await store.write { [instance] tx in try await tx.insertInstance(instance, quota: Instance.quotaPerRegion) }
        func carriers(_ name: String) async throws -> [String] {
            try await store.read { tx in
                try await tx.instances(matching: InstanceQuery(accountID: Self.account, regionID: "cn-hangzhou", keyPairName: name), page: nil).items.map(\.id)
            }
        }
        #expect(try await carriers("a") == [instance.id])
        #expect(try await carriers("b") == [instance.id])
        #expect(try await carriers("c").isEmpty)
        instance.bound.remove(keyPairName: "a")
        try await store.write { [instance] tx in try await tx.updateInstance(instance) }
        #expect(try await carriers("a").isEmpty)
        #expect(try await carriers("b") == [instance.id])
        let reread = try await store.read { [instance] tx in try await tx.instance(id: instance.id, accountID: nil) }
        #expect(reread?.bound.keyPairNames == ["b"])
        try await store.write { [instance] tx in try await tx.deleteInstance(id: instance.id) }
        #expect(try await carriers("b").isEmpty)
    }

    @Test func deletingAKeyPairRemovesItsTags() async throws {
        let store = try await Self.store()
        let keyPair = Self.keyPair("tagged", tags: [try KeywardCore.Tag(key: "a", value: "1")])
        try await store.write { tx in try await tx.insertKeyPair(keyPair, quota: 5) }
        _ = try await store.write { tx in try await tx.deleteKeyPairs(accountID: Self.account, regionID: "cn-hangzhou", names: ["tagged"]) }
        let tags = try await store.read { tx in try await tx.tags(resourceType: ResourceType.keyPair, resourceIDs: [keyPair.id]) }
        #expect(tags.isEmpty)
    }

    @Test func aNonceIsClaimedOncePerAccessKeyAndSurvivesReopening() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kw-nonce-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await Self.store(path: directory + "/db.sqlite3")
        #expect(try await first.write { tx in try await tx.claimNonce("n1", accessKeyID: "ak", at: Date()) })
        #expect(try await first.write { tx in try await tx.claimNonce("n1", accessKeyID: "other", at: Date()) })
        #expect(!(try await first.write { tx in try await tx.claimNonce("n1", accessKeyID: "ak", at: Date()) }))
        await first.close()
        let reopened = try await SQLStore.sqlite(path: directory + "/db.sqlite3", logger: Logger(label: "test"))
        #expect(!(try await reopened.write { tx in try await tx.claimNonce("n1", accessKeyID: "ak", at: Date()) }))
        try await reopened.write { tx in try await tx.purgeNonces(before: Date().addingTimeInterval(60)) }
        #expect(try await reopened.write { tx in try await tx.claimNonce("n1", accessKeyID: "ak", at: Date()) })
        await reopened.close()
    }
}

@Suite struct SQLStoreInstanceQueryTests {
    static func instance(_ name: String, status: InstanceStatus, address: String, zone: String?) -> Instance {
        var instance = Instance(
            id: ResourceID.make(prefix: "i"), accountID: SQLStoreTests.account, regionID: "ap-guangzhou", name: name, hostName: name, imageID: "img",
            instanceType: "S5.MEDIUM2", osType: .linux, status: status, bound: InstanceCredentials(), effective: nil, firstBootPending: true,
            passwordInherit: false, endpoint: InstanceEndpoint(address: address, port: 22), userData: "", metadataTokensRequired: false,
            metadataEnabled: true, creationTime: Date(), startTime: nil, firstBootReport: []
        )
        instance.zoneID = zone
        return instance
    }

    @Test func instancesAreFoundByShortIDStatusesNamesAddressesAndZones() async throws {
        let store = try await SQLStoreTests.store()
        let web = Self.instance("web", status: .running, address: "10.0.0.1", zone: "ap-guangzhou-3")
        let db = Self.instance("db", status: .stopped, address: "10.0.0.2", zone: "ap-guangzhou-4")
        let old = Self.instance("old", status: .stopped, address: "10.0.0.3", zone: nil)
        try await store.write { tx in
            for instance in [web, db, old] { try await tx.insertInstance(instance, quota: Instance.quotaPerRegion) }
        }
        func names(_ change: (inout InstanceQuery) -> Void) async throws -> [String] {
            var query = InstanceQuery(accountID: SQLStoreTests.account, regionID: "ap-guangzhou")
            change(&query)
            let final = query
            return try await store.read { tx in try await tx.instances(matching: final, page: nil).items.map(\.name) }.sorted()
        }
        #expect(try await names { $0.shortIDs = [ResourceID.shortID(of: db.id)] } == ["db"])
        #expect(try await names { $0.shortIDs = [String(db.id.dropFirst(2).prefix(7))] }.isEmpty, "a short id matches whole")
        #expect(try await names { $0.statuses = [.stopped] } == ["db", "old"])
        #expect(try await names { $0.statuses = [.running, .stopped] } == ["db", "old", "web"])
        #expect(try await names { $0.statuses = [] }.isEmpty)
        #expect(try await names { $0.names = ["web", "db"] } == ["db", "web"])
        #expect(try await names { $0.privateAddresses = ["10.0.0.3"] } == ["old"])
        #expect(try await names { $0.zoneIDs = ["ap-guangzhou-3", "ap-guangzhou-4"] } == ["db", "web"])
        #expect(try await names { $0.zoneIDs = ["ap-guangzhou-4"]; $0.statuses = [.running] }.isEmpty, "every field must match")
    }

    @Test func theZoneAndTheLatestOperationAreKept() async throws {
        let store = try await SQLStoreTests.store()
        var instance = Self.instance("web", status: .running, address: "10.0.0.1", zone: "ap-guangzhou-3")
        let started = Date(timeIntervalSince1970: 1_700_000_000)
        instance.latestOperation = InstanceOperation(kind: .bindKeyPairs, state: .failed, errorMessage: "it broke", requestID: "r-1", startTime: started)
        try await store.write { [instance] tx in try await tx.insertInstance(instance, quota: Instance.quotaPerRegion) }
        let id = instance.id
        let stored = try await store.read { tx in try await tx.instance(id: id, accountID: nil) }
        let reread = try #require(stored)
        #expect(reread.zoneID == "ap-guangzhou-3")
        #expect(reread.latestOperation == instance.latestOperation)
    }
}
