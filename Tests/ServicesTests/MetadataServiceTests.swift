import Foundation
import KeywardCore
import Logging
import Services
import Store
import Testing

@Suite struct MetadataServiceTests {
    static func setUp(tokensRequired: Bool = false, namedInstances: Bool = false) async throws -> (MetadataService, Instance) {
        let store = try await SQLStore.sqlite(path: nil, logger: Logger(label: "test"))
        let instance = Instance(
            id: "i-test0001", accountID: "acct", regionID: "cn-hangzhou", name: "web", hostName: "web-1", imageID: "img", instanceType: "ecs.g7.large",
            osType: .linux, status: .running, bound: InstanceCredentials(keyPairs: [BoundKeyPair(name: "kp", publicKey: "ssh-ed25519 AAAAC3Nza test")]),
            effective: nil, firstBootPending: false, passwordInherit: false, endpoint: InstanceEndpoint(address: "10.213.0.11", port: 22),
            userData: "#cloud-config\n", metadataTokensRequired: tokensRequired, metadataEnabled: true, creationTime: Date(), startTime: nil,
            firstBootReport: []
        )
        try await store.write { tx in
            try await tx.insertAccount(id: "acct", name: "a", createdAt: Date())
            try await tx.insertInstance(instance, quota: Instance.quotaPerRegion)
        }
        return (MetadataService(store: store, tokenKey: .init(size: .bits256), namedInstances: namedInstances), instance)
    }

    @Test func instancesAreIdentifiedByTheirAddressAndSeeTheirOwnData() async throws {
        let (service, _) = try await Self.setUp()
        #expect(await service.handle(method: "GET", path: "/latest/meta-data/instance-id", headers: [:], sourceAddress: "10.213.0.11").body == "i-test0001")
        #expect(await service.handle(method: "GET", path: "/2016-01-01/meta-data/hostname", headers: [:], sourceAddress: "10.213.0.11").body == "web-1")
        #expect(await service.handle(method: "GET", path: "/latest/meta-data/instance-id", headers: [:], sourceAddress: "10.213.0.12").status == 403)
        #expect(await service.handle(method: "GET", path: "/latest/meta-data/instance-id", headers: [:], sourceAddress: "127.0.0.1").status == 403)
        let listing = await service.handle(method: "GET", path: "/latest/meta-data/", headers: [:], sourceAddress: "10.213.0.11").body
        #expect(listing.split(separator: "\n").contains("public-keys/"))
        let keys = await service.handle(method: "GET", path: "/latest/meta-data/public-keys/", headers: [:], sourceAddress: "10.213.0.11").body
        #expect(keys == "key-0/")
        let key = await service.handle(method: "GET", path: "/latest/meta-data/public-keys/key-0/openssh-key", headers: [:], sourceAddress: "10.213.0.11")
        #expect(key.body == "ssh-ed25519 AAAAC3Nza test")
        let all = await service.handle(method: "GET", path: "/latest/meta-data/all", headers: [:], sourceAddress: "10.213.0.11")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(all.body.utf8)) as? [String: Any])
        #expect(object["instance-id"] as? String == "i-test0001")
        #expect(await service.handle(method: "GET", path: "/latest/user-data", headers: [:], sourceAddress: "10.213.0.11").body == "#cloud-config\n")
        #expect(await service.handle(method: "GET", path: "/latest/meta-data/nope", headers: [:], sourceAddress: "10.213.0.11").status == 404)
    }

    @Test func loopbackCallersNameTheInstanceOnlyWhenSandboxesShareLoopback() async throws {
        let (service, _) = try await Self.setUp(namedInstances: true)
        #expect(await service.handle(method: "GET", path: "/i-test0001/latest/meta-data/instance-id", headers: [:], sourceAddress: "127.0.0.1").body == "i-test0001")
        #expect(await service.handle(method: "GET", path: "/i-test0001/latest/meta-data/instance-id", headers: [:], sourceAddress: "10.213.0.12").status == 403)
        let (isolated, _) = try await Self.setUp(namedInstances: false)
        #expect(await isolated.handle(method: "GET", path: "/i-test0001/latest/meta-data/instance-id", headers: [:], sourceAddress: "127.0.0.1").status == 403)
        #expect(await isolated.handle(method: "PUT", path: "/i-test0001/latest/api/token", headers: [MetadataService.ttlHeader: "60"], sourceAddress: "127.0.0.1").status == 403)
    }

    @Test func hardenedModeNeedsAValidTokenOfThisInstance() async throws {
        let (service, _) = try await Self.setUp(tokensRequired: true)
        let source = "10.213.0.11"
        #expect(await service.handle(method: "GET", path: "/latest/meta-data/instance-id", headers: [:], sourceAddress: source).status == 401)
        let ttl = MetadataService.ttlHeader
        #expect(await service.handle(method: "PUT", path: "/latest/api/token", headers: [ttl: "21601"], sourceAddress: source).status == 400)
        #expect(await service.handle(method: "PUT", path: "/latest/api/token", headers: [ttl: "0"], sourceAddress: source).status == 400)
        #expect(await service.handle(method: "PUT", path: "/latest/api/token", headers: [ttl: "60", "x-forwarded-for": "1.2.3.4"], sourceAddress: source).status == 403)
        let token = await service.handle(method: "PUT", path: "/latest/api/token", headers: [ttl: "60"], sourceAddress: source)
        #expect(token.status == 200)
        let ok = await service.handle(method: "GET", path: "/latest/meta-data/instance-id", headers: [MetadataService.tokenHeader: token.body], sourceAddress: source)
        #expect(ok.body == "i-test0001")
        let forged = token.body.dropLast() + (token.body.last == "A" ? "B" : "A")
        #expect(await service.handle(method: "GET", path: "/latest/meta-data/instance-id", headers: [MetadataService.tokenHeader: String(forged)], sourceAddress: source).status == 401)
        let later = Date().addingTimeInterval(120)
        #expect(await service.handle(method: "GET", path: "/latest/meta-data/instance-id", headers: [MetadataService.tokenHeader: token.body], sourceAddress: source, now: later).status == 401)
    }
}
