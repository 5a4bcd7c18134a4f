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
        let services = try await SimulatedServices()
        let (store, logger, account, instances) = (services.store, services.logger, services.account, services.instances)
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
