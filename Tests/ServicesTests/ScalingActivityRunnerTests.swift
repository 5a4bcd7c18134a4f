import Foundation
import Instances
import KeywardCore
import Logging
import Services
import Store
import Testing

/// A scaling activity recorded before a stop of the control plane is finished by the next start.
@Suite struct ScalingActivityRunnerTests {
    @Test func anActivityInProgressIsResumedAndItsInstancesLaunchedOnce() async throws {
        let services = try await SimulatedServices()
        let (store, driver, logger, account) = (services.store, services.driver, services.logger, services.account)
        let group = ScalingGroup(
            id: "asg-test", accountID: account, regionID: "cn-hangzhou", name: "web", minSize: 0, maxSize: 5, desiredCapacity: nil, defaultCooldown: 300,
            removalPolicies: ScalingGroup.defaultRemovalPolicies, state: .active, activeConfigurationID: "asc-test", creationTime: Date()
        )
        let configuration = ScalingConfiguration(
            id: "asc-test", groupID: group.id, accountID: account, regionID: "cn-hangzhou", name: "c", imageID: ImageService.linuxImageID,
            instanceTypes: ["ecs.g7.large"], keyPairName: nil, passwordHash: nil, passwordInherit: false, hostName: nil, instanceName: nil, userData: "",
            securityGroupID: nil, tags: [], state: .active, creationTime: Date()
        )
        // What a server that stopped right after recording the activity left behind.
        let activity = ScalingActivity(
            id: "asa-test", groupID: group.id, accountID: account, regionID: "cn-hangzhou", status: .inProgress, cause: "test", description: "Add 2",
            startTime: Date(), endTime: nil, progress: 0, statusMessage: "", capacityBefore: 0, targetCapacity: 2, instancesToRemove: [],
            createdInstances: [], destroyedInstances: []
        )
        try await store.write { tx in
            try await tx.insertScalingGroup(group, quota: 10)
            try await tx.insertScalingConfiguration(configuration, quota: 10)
            try await tx.insertScalingActivity(activity)
        }
        let instances = services.instances
        func runner() -> ScalingActivityRunner {
            ScalingActivityRunner(
                store: store, instances: instances, gateway: AccessGateway(store: store, logger: logger), logger: logger, describeError: { _ in ("E", "e") }
            )
        }
        let first = runner()
        await first.resume()
        await first.idle()
        // A second start finds nothing to do: the activity ended, and running it again launches nothing more.
        let second = runner()
        await second.resume()
        await second.run(activity.id)
        await second.idle()
        let (members, ended, hashes) = try await store.read { tx in
            let members = try await tx.scalingMembers(groupID: group.id)
            var hashes: [String] = []
            for member in members { hashes.append(try #require(try await tx.instance(id: member.instanceID, accountID: nil)?.bound.passwordHash)) }
            return (members, try await tx.scalingActivity(id: activity.id, accountID: nil), hashes)
        }
        #expect(members.count == 2)
        #expect(members.allSatisfy { $0.state == .inService && $0.creationType == .autoCreated && $0.configurationID == configuration.id })
        #expect(ended?.status == .successful)
        #expect(ended?.createdInstances.sorted() == members.map(\.instanceID).sorted())
        #expect(Set(hashes).count == 2, "each instance has its own password")
        for member in members { #expect(await driver.isRunning(instanceID: member.instanceID)) }
    }
}
