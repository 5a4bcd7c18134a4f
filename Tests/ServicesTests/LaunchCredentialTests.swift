import Foundation
import Instances
import KeywardCore
import Logging
import Services
import Store
import Testing

/// The credentials a launch gives each instance of a batch.
@Suite struct LaunchCredentialTests {
    @Test func withoutLoginSettingsEachInstanceOfABatchGetsItsOwnUnknownPassword() async throws {
        let logger = Logger(label: "test")
        let store = try await SQLStore.sqlite(path: nil, logger: logger)
        let driver = SimulatedDriver()
        let regions = RegionCatalog.standard
        let account = CredentialService.defaultAccountID
        try await store.write { tx in try await tx.insertAccount(id: account, name: "a", createdAt: Date()) }
        try await ImageService(store: store, driver: driver, regions: regions, logger: logger).preparePublicImages()
        let instances = InstanceService(store: store, driver: driver, regions: regions, logger: logger)
        let root = Principal(accountID: account, identity: .root, accessKeyID: "ak")
        let context = CallContext(
            principal: root, sourceIP: "127.0.0.1", secureTransport: false, requestID: "r-1", regionID: "ap-guangzhou", apiVersion: "2017-03-12",
            describeError: { _ in ("E", "e") }
        )
        var request = InstanceService.LaunchRequest(regionID: "ap-guangzhou", imageID: ImageService.linuxImageID, instanceType: "S5.MEDIUM2")
        request.amount = 3
        request.unknownPasswordWhenNoLogin = true
        let launch = request
        let operation = Operation.launch(start: true, instanceType: "S5.MEDIUM2", passwordInherit: nil, passwordCustomized: false)
        let ids = try await AccessGateway(store: store, logger: logger).perform(operation, context) { try await instances.launch($0, launch) }
        let hashes = try await store.read { tx in
            try await ids.asyncMap { id in try #require(try await tx.instance(id: id, accountID: nil)?.bound.passwordHash) }
        }
        #expect(hashes.count == 3)
        #expect(Set(hashes).count == 3, "instances of one batch share a password")
        #expect(hashes.allSatisfy { $0.hasPrefix("$6$") })
    }
}
