import Foundation
import Instances
import KeywardCore
import Logging
import Services
import Store
import Testing

/// What a restart of the control plane does with an instance operation it cut short.
@Suite struct InterruptedOperationTests {
    static func instance(_ id: String, status: InstanceStatus, operation: InstanceOperation) -> Instance {
        var instance = Instance(
            id: id, accountID: "acct", regionID: "ap-guangzhou", name: id, hostName: "h", imageID: "img", instanceType: "S5.MEDIUM2", osType: .linux,
            status: status, bound: InstanceCredentials(), effective: nil, firstBootPending: false, passwordInherit: false,
            endpoint: InstanceEndpoint(address: "10.99.0.\(id.count)", port: 22), userData: "", metadataTokensRequired: false, metadataEnabled: true,
            creationTime: Date(), startTime: nil, firstBootReport: []
        )
        instance.latestOperation = operation
        return instance
    }

    @Test func anInstanceStoppedToApplyAChangeIsStartedAgainAndEveryOpenOperationIsClosed() async throws {
        let store = try await SQLStore.sqlite(path: nil, logger: Logger(label: "test"))
        let driver = SimulatedDriver()
        let forceStopped = Self.instance(
            "i-aaaaaaaa000000000001", status: .stopped,
            operation: InstanceOperation(kind: .bindKeyPairs, state: .operating, requestID: "r1", startTime: Date(), restartsInstance: true)
        )
        let stoppedChange = Self.instance(
            "i-bbbbbbbb000000000002", status: .stopped,
            operation: InstanceOperation(kind: .resetPassword, state: .operating, requestID: "r2", startTime: Date())
        )
        let finished = Self.instance(
            "i-cccccccc000000000003", status: .stopped, operation: InstanceOperation(kind: .stop, state: .success, requestID: "r3", startTime: Date())
        )
        try await store.write { tx in
            try await tx.insertAccount(id: "acct", name: "a", createdAt: Date())
            for instance in [forceStopped, stoppedChange, finished] { try await tx.insertInstance(instance, quota: Instance.quotaPerRegion) }
        }
        let service = InstanceService(store: store, driver: driver, regions: .standard, logger: Logger(label: "test"))
        await service.reconcile()
        let after = try await store.read { tx in
            try await [forceStopped, stoppedChange, finished].asyncMap { try #require(try await tx.instance(id: $0.id, accountID: nil)) }
        }
        #expect(after[0].status == .running, "the instance ForceStop had stopped is started again")
        #expect(await driver.isRunning(instanceID: forceStopped.id))
        #expect(after[0].latestOperation?.state == .failed)
        #expect(after[0].latestOperation?.errorMessage == "Interrupted by a restart of the control plane; the instance was started again.")
        #expect(after[1].status == .stopped, "an instance that was stopped before the change stays stopped")
        #expect(after[1].latestOperation?.state == .failed)
        #expect(after[1].latestOperation?.errorMessage == "Interrupted by a restart of the control plane.")
        #expect(after[2].latestOperation == finished.latestOperation, "a finished operation is left as it was")
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
