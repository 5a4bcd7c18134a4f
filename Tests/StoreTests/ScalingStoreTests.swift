import Foundation
import KeywardCore
import Logging
import Store
import Testing

/// What the database enforces for Auto Scaling: unique names, one group per instance, one activity in progress.
@Suite struct ScalingStoreTests {
    static let account = SQLStoreTests.account

    static func group(_ name: String, id: String = ResourceID.make(prefix: "asg")) -> ScalingGroup {
        ScalingGroup(
            id: id, accountID: account, regionID: "cn-hangzhou", name: name, minSize: 0, maxSize: 3, desiredCapacity: nil, defaultCooldown: 300,
            removalPolicies: ScalingGroup.defaultRemovalPolicies, state: .inactive, activeConfigurationID: nil, creationTime: Date()
        )
    }

    static func activity(_ groupID: String, status: ScalingActivity.Status) -> ScalingActivity {
        ScalingActivity(
            id: ResourceID.make(prefix: "asa"), groupID: groupID, accountID: account, regionID: "cn-hangzhou", status: status, cause: "test",
            description: "test", startTime: Date(), endTime: nil, progress: 0, statusMessage: "", capacityBefore: 0, targetCapacity: 1,
            instancesToRemove: [], createdInstances: [], destroyedInstances: []
        )
    }

    static func member(_ instanceID: String, groupID: String) -> ScalingMember {
        ScalingMember(
            instanceID: instanceID, groupID: groupID, accountID: account, configurationID: nil, creationType: .attached, state: .inService,
            isProtected: false, isEntrusted: false, activityID: nil, creationTime: Date()
        )
    }

    @Test(arguments: StoreBackend.available) func namesAreUniquePerRegionAndTheQuotaHolds(backend: StoreBackend) async throws {
        let store = try await SQLStoreTests.store(backend)
        try await store.write { tx in try await tx.insertScalingGroup(Self.group("web"), quota: 2) }
        await #expect(throws: DomainError.scalingGroupNameTaken("web")) {
            try await store.write { tx in try await tx.insertScalingGroup(Self.group("web"), quota: 2) }
        }
        try await store.write { tx in try await tx.insertScalingGroup(Self.group("db"), quota: 2) }
        await #expect(throws: DomainError.scalingGroupQuotaExceeded(limit: 2)) {
            try await store.write { tx in try await tx.insertScalingGroup(Self.group("cache"), quota: 2) }
        }
        let names = try await store.read { tx in try await tx.scalingGroups(accountID: Self.account, regionID: "cn-hangzhou", ids: nil, names: nil) }.map(\.name)
        #expect(names == ["web", "db"])
    }

    @Test(arguments: StoreBackend.available) func aGroupHasAtMostOneActivityInProgressAndAnInstanceAtMostOneGroup(backend: StoreBackend) async throws {
        let store = try await SQLStoreTests.store(backend)
        let (a, b) = (Self.group("a"), Self.group("b"))
        try await store.write { tx in
            try await tx.insertScalingGroup(a, quota: 10)
            try await tx.insertScalingGroup(b, quota: 10)
        }
        var running = Self.activity(a.id, status: .inProgress)
        try await store.write { [running] tx in try await tx.insertScalingActivity(running) }
        await #expect(throws: DomainError.scalingActivityInProgress) {
            try await store.write { tx in try await tx.insertScalingActivity(Self.activity(a.id, status: .inProgress)) }
        }
        try await store.write { tx in try await tx.insertScalingActivity(Self.activity(b.id, status: .inProgress)) }
        running.status = .successful
        try await store.write { [running] tx in try await tx.updateScalingActivity(running) }
        try await store.write { tx in try await tx.insertScalingActivity(Self.activity(a.id, status: .inProgress)) }
        #expect(try await store.read { tx in try await tx.scalingActivitiesInProgress() }.count == 2)

        try await store.write { tx in try await tx.insertScalingMember(Self.member("i-1", groupID: a.id)) }
        await #expect(throws: DomainError.instanceInOtherScalingGroup("i-1")) {
            try await store.write { tx in try await tx.insertScalingMember(Self.member("i-1", groupID: b.id)) }
        }
        try await store.write { tx in try await tx.deleteScalingGroup(id: a.id) }
        let left = try await store.read { tx in (try await tx.scalingMember(instanceID: "i-1"), try await tx.scalingActivities(accountID: Self.account, groupID: a.id, ids: nil)) }
        #expect(left.0 == nil && left.1.isEmpty, "a deleted group takes its members and activities along")
    }
}
