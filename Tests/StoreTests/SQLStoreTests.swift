import Foundation
import KeywardCore
import Logging
import Store
import Synchronization
import Testing

@Suite struct SQLStoreTests {
    static let account = "acct-1"

    /// A fresh store with the test account, on `backend` (SQLite in memory when none is named).
    static func store(_ backend: StoreBackend? = nil, location: String? = nil) async throws -> SQLStore {
        let store = if let backend {
            try await backend.open(try location ?? backend.newLocation())
        } else {
            try await SQLStore.sqlite(path: nil, logger: Logger(label: "test"))
        }
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

    @Test(arguments: StoreBackend.available) func duplicateNameInTheSameRegionIsRefusedButAllowedInAnother(backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
        try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("a"), quota: 10) }
        await #expect(throws: DomainError.keyPairAlreadyExists("a")) {
            try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("a"), quota: 10) }
        }
        try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("a", region: "cn-beijing"), quota: 10) }
        #expect(try await Self.count(store) == 1)
    }

    @Test(arguments: StoreBackend.available) func quotaIsEnforcedByTheDatabaseAndFreedByDeletion(backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
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

    @Test(arguments: StoreBackend.available) func concurrentWritersNeverExceedTheQuotaOrDuplicateANameOnDisk(backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
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

    @Test(arguments: StoreBackend.available) func listingFiltersByWildcardFingerprintAndTagsAndPages(backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
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

    @Test(arguments: StoreBackend.available) func anInstanceCarryingSeveralKeyPairsIsFoundUnderEachUntilItDropsOne(backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
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

    @Test(arguments: StoreBackend.available) func deletingAKeyPairRemovesItsTags(backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
        let keyPair = Self.keyPair("tagged", tags: [try KeywardCore.Tag(key: "a", value: "1")])
        try await store.write { tx in try await tx.insertKeyPair(keyPair, quota: 5) }
        _ = try await store.write { tx in try await tx.deleteKeyPairs(accountID: Self.account, regionID: "cn-hangzhou", names: ["tagged"]) }
        let tags = try await store.read { tx in try await tx.tags(resourceType: ResourceType.keyPair, resourceIDs: [keyPair.id]) }
        #expect(tags.isEmpty)
    }

    /// A host keeps one heartbeat, its latest worker's; a worker that stops forgets its own and no other's.
    @Test(arguments: StoreBackend.available) func heartbeatsTellWhichServersRunLately(backend: StoreBackend) async throws {
        let store = try await Self.store(backend, location: try backend.newLocation())
        let now = Date()
        try await store.write { tx in
            try await tx.recordHeartbeat(hostID: "host-a", worker: "host-a/1", at: now.addingTimeInterval(-60))
            try await tx.recordHeartbeat(hostID: "host-b", worker: "host-b/1", at: now.addingTimeInterval(-5))
        }
        #expect(try await store.read { tx in try await tx.heartbeats(after: now.addingTimeInterval(-20)) }.map(\.hostID) == ["host-b"])
        try await store.write { tx in try await tx.recordHeartbeat(hostID: "host-a", worker: "host-a/2", at: now) }
        let recent = try await store.read { tx in try await tx.heartbeats(after: now.addingTimeInterval(-20)) }
        #expect(recent.map(\.hostID) == ["host-a", "host-b"])
        #expect(abs(recent[0].seenAt.timeIntervalSince(now)) < 0.01)
        try await store.write { tx in
            try await tx.deleteHeartbeat(hostID: "host-a", worker: "host-a/1")
            try await tx.deleteHeartbeat(hostID: "host-b", worker: "host-b/1")
        }
        #expect(try await store.read { tx in try await tx.heartbeats(after: now.addingTimeInterval(-20)) }.map(\.hostID) == ["host-a"],
                "the earlier run of host-a forgot the heartbeat of the run after it")
        await store.close()
    }

    /// What a key rotation decides from the heartbeats it reads in its write transaction holds at its commit: writes are
    /// serialised across servers, so another server's heartbeat waits for it.
    @Test(arguments: StoreBackend.available) func aHeartbeatWaitsForTheWriteThatReadTheHeartbeats(backend: StoreBackend) async throws {
        let location = try backend.newLocation()
        let (rotation, server) = (try await Self.store(backend, location: location), try await backend.open(location))
        let order = Mutex<[String]>([])
        let (held, holding) = AsyncStream.makeStream(of: Void.self)
        async let rotated: Void = rotation.write { tx in
            #expect(try await tx.heartbeats(after: Date().addingTimeInterval(-20)).isEmpty)
            holding.yield()
            try await Task.sleep(for: .milliseconds(400))
            order.withLock { $0.append("rotation commits") }
        }
        for await _ in held { break }
        try await server.write { tx in try await tx.recordHeartbeat(hostID: "host-a", worker: "host-a/1", at: Date()) }
        order.withLock { $0.append("heartbeat recorded") }
        try await rotated
        #expect(order.withLock { $0 } == ["rotation commits", "heartbeat recorded"])
        #expect(try await rotation.read { tx in try await tx.heartbeats(after: Date().addingTimeInterval(-20)) }.map(\.hostID) == ["host-a"])
        await server.close()
        await rotation.close()
    }

    @Test(arguments: StoreBackend.available) func aNonceIsClaimedOncePerAccessKeyAndSurvivesReopening(backend: StoreBackend) async throws {
        let location = try backend.newLocation()
        let first = try await Self.store(backend, location: location)
        #expect(try await first.write { tx in try await tx.claimNonce("n1", accessKeyID: "ak", at: Date()) })
        #expect(try await first.write { tx in try await tx.claimNonce("n1", accessKeyID: "other", at: Date()) })
        #expect(!(try await first.write { tx in try await tx.claimNonce("n1", accessKeyID: "ak", at: Date()) }))
        await first.close()
        let reopened = try await backend.open(location)
        #expect(!(try await reopened.write { tx in try await tx.claimNonce("n1", accessKeyID: "ak", at: Date()) }))
        try await reopened.write { tx in try await tx.purgeNonces(before: Date().addingTimeInterval(60)) }
        #expect(try await reopened.write { tx in try await tx.claimNonce("n1", accessKeyID: "ak", at: Date()) })
        await reopened.close()
    }

    @Test(arguments: StoreBackend.available) func groupedWritesCommitTogetherAndAFailureUndoesOnlyItsOwn(backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
        // Two writers race for each nonce: exactly one of each pair wins, every winner is stored.
        let outcomes = await withTaskGroup(of: (String, Bool?).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let nonce = "n\(index / 2)"
                    let won = try? await store.writeGrouped { tx in try await tx.claimNonce(nonce, accessKeyID: "ak", at: Date()) }
                    return (nonce, won)
                }
            }
            return await group.reduce(into: [(String, Bool?)]()) { $0.append($1) }
        }
        #expect(!outcomes.contains { $0.1 == nil }, "no grouped write failed")
        let winners = Dictionary(grouping: outcomes.filter { $0.1 == true }, by: \.0)
        #expect(winners.count == 100)
        #expect(winners.values.allSatisfy { $0.count == 1 })
        // A grouped body that throws after writing leaves nothing behind, and its neighbours commit.
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await store.writeGrouped { tx in
                _ = try await tx.claimNonce("undone", accessKeyID: "ak", at: Date())
                throw Refused()
            }
        }
        #expect(try await store.writeGrouped { tx in try await tx.claimNonce("undone", accessKeyID: "ak", at: Date()) })
        for index in 0..<100 {
            #expect(!(try await store.write { tx in try await tx.claimNonce("n\(index)", accessKeyID: "ak", at: Date()) }))
        }
        await store.close()
    }

    @Test(arguments: StoreBackend.available) func boundInstancesOfSeveralKeyPairsComeFromOneQueryInCreationOrder(backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
        var made: [Instance] = []
        for (index, names) in [["a"], ["a", "b"], ["b"], []].enumerated() {
            var credentials = InstanceCredentials()
            for name in names { credentials.add(BoundKeyPair(name: name, publicKey: "ssh-ed25519 \(name)")) }
            let instance = Instance(
                id: ResourceID.make(prefix: "i"), accountID: Self.account, regionID: "cn-hangzhou", name: "i\(index)", hostName: "h", imageID: "img",
                instanceType: "ecs.g7.large", osType: .linux, status: .stopped, bound: credentials, effective: nil, firstBootPending: true,
                passwordInherit: false, endpoint: nil, userData: "", metadataTokensRequired: false, metadataEnabled: true,
                creationTime: Date(timeIntervalSince1970: 1_700_000_000 + Double(index)), startTime: nil, firstBootReport: []
            )
            try await store.write { tx in try await tx.insertInstance(instance, quota: Instance.quotaPerRegion) }
            made.append(instance)
        }
        let bound = try await store.read { tx in
            try await tx.boundInstanceIDs(accountID: Self.account, regionID: "cn-hangzhou", keyPairNames: ["a", "b", "c"])
        }
        #expect(bound == ["a": [made[0].id, made[1].id], "b": [made[1].id, made[2].id]])
        let elsewhere = try await store.read { tx in try await tx.boundInstanceIDs(accountID: Self.account, regionID: "cn-beijing", keyPairNames: ["a"]) }
        #expect(elsewhere.isEmpty)
        await store.close()
    }

    @Test(arguments: StoreBackend.available) func readsRunInParallelWithAWriteInProgress(backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
        try await store.write { tx in try await tx.insertKeyPair(Self.keyPair("before"), quota: 10) }
        // A write transaction stays open while reads run: they see the committed state, not the write's, and finish first.
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let writer = Task {
            try await store.write { tx in
                try await tx.insertKeyPair(Self.keyPair("during"), quota: 10)
                enteredContinuation.yield()
                for await _ in release { break }
            }
        }
        for await _ in entered { break }
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await Self.count(store) } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 1, count: 8))
        releaseContinuation.yield()
        try await writer.value
        #expect(try await Self.count(store) == 2)
        await store.close()
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

    @Test(arguments: StoreBackend.available) func instancesAreFoundByShortIDStatusesNamesAddressesAndZones(backend: StoreBackend) async throws {
        let store = try await SQLStoreTests.store(backend)
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

    @Test(arguments: StoreBackend.available) func theZoneAndTheLatestOperationAreKept(backend: StoreBackend) async throws {
        let store = try await SQLStoreTests.store(backend)
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
