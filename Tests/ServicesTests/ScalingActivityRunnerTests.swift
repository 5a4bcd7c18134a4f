import Foundation
import Instances
import KeywardCore
import Logging
import Services
import Store
import Testing

/// A scaling activity recorded before a stop of the control plane is finished by the next start.
@Suite struct ScalingActivityRunnerTests {
    /// A group of 0 to 5 with a configuration, and an activity in progress to bring it to 2: what a server that stopped
    /// right after recording the activity left behind.
    static func groupWithAnActivity(_ services: SimulatedServices) async throws -> (ScalingGroup, ScalingConfiguration, ScalingActivity) {
        let account = services.account
        let group = ScalingGroup(
            id: "asg-test", accountID: account, regionID: "cn-hangzhou", name: "web", minSize: 0, maxSize: 5, desiredCapacity: nil, defaultCooldown: 300,
            removalPolicies: ScalingGroup.defaultRemovalPolicies, state: .active, activeConfigurationID: "asc-test", creationTime: Date()
        )
        let configuration = ScalingConfiguration(
            id: "asc-test", groupID: group.id, accountID: account, regionID: "cn-hangzhou", name: "c", imageID: ImageService.linuxImageID,
            instanceTypes: ["ecs.g7.large"], keyPairName: nil, passwordHash: nil, passwordInherit: false, hostName: nil, instanceName: nil, userData: "",
            securityGroupID: nil, tags: [], state: .active, creationTime: Date()
        )
        let activity = ScalingActivity(
            id: "asa-test", groupID: group.id, accountID: account, regionID: "cn-hangzhou", status: .inProgress, cause: "test", description: "Add 2",
            startTime: Date(), endTime: nil, progress: 0, statusMessage: "", capacityBefore: 0, targetCapacity: 2, instancesToRemove: [],
            createdInstances: [], destroyedInstances: []
        )
        try await services.store.write { tx in
            try await tx.insertScalingGroup(group, quota: 10)
            try await tx.insertScalingConfiguration(configuration, quota: 10)
            try await tx.insertScalingActivity(activity)
        }
        return (group, configuration, activity)
    }

    static func runner(_ services: SimulatedServices, _ instances: InstanceService) -> ScalingActivityRunner {
        ScalingActivityRunner(
            store: services.store, instances: instances, gateway: AccessGateway(store: services.store, logger: services.logger), logger: services.logger,
            describeError: { _ in ("E", "e") }
        )
    }

    @Test func anActivityInProgressIsResumedAndItsInstancesLaunchedOnce() async throws {
        let services = try await SimulatedServices()
        let (store, driver) = (services.store, services.driver)
        let (group, configuration, activity) = try await Self.groupWithAnActivity(services)
        let instances = services.instances
        func runner() -> ScalingActivityRunner { Self.runner(services, instances) }
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

    /// Two servers on one database, each with its worker running: both resume the activity at their start, and it is
    /// one job, carried out once, by one of them. The other's health check leaves the members on the first's host alone.
    @Test func anActivityResumedByTwoServersIsOneJobCarriedOutOnce() async throws {
        let services = try await SimulatedServices()
        let store = services.store
        let (group, _, activity) = try await Self.groupWithAnActivity(services)
        let drivers = ["host-a": SimulatedDriver(), "host-b": SimulatedDriver()]
        var servers: [(InstanceService, ScalingActivityRunner)] = []
        for host in drivers.keys.sorted() {
            let instances = InstanceService(store: store, driver: drivers[host]!, regions: services.regions, logger: services.logger, hostID: host)
            let runner = Self.runner(services, instances)
            await instances.jobs.start({ job in try await runner.runJob(job) }, abandon: { job, reason in await runner.abandonJob(job, reason: reason) })
            servers.append((instances, runner))
        }
        async let resumedByA: Void = servers[0].1.resume()
        async let resumedByB: Void = servers[1].1.resume()
        _ = await (resumedByA, resumedByB)

        // A bound for a hung activity, not a speed: a loaded test run starves everything for tens of seconds at times.
        let deadline = ContinuousClock.now + .seconds(180)
        while try await store.read({ tx in try await tx.scalingActivity(id: activity.id, accountID: nil) })?.status == .inProgress,
              ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let jobs = try await store.read { tx in try await tx.jobs(instanceIDs: [activity.id]) }
        #expect(jobs.map(\.kind) == [.scalingActivity])
        #expect(jobs.map(\.state) == [.done])
        #expect(jobs.first?.attempts == 1)
        let members = try await store.read { tx in try await tx.scalingMembers(groupID: group.id) }
        #expect(members.count == 2)
        #expect(try await store.read { tx in try await tx.scalingActivity(id: activity.id, accountID: nil) }?.status == .successful)
        // Every member runs on the host whose worker launched it, and the other host's check does not take them for dead.
        for (_, runner) in servers { await runner.checkHealth() }
        #expect(try await store.read { tx in try await tx.scalingMembers(groupID: group.id) }.count == 2)
        for (instances, _) in servers { await instances.jobs.stop() }
    }

    /// An activity whose job's runs all died is given up: the activity fails with the reason and its group is free.
    @Test func anActivityWhoseJobWasGivenUpFailsWithTheReason() async throws {
        let services = try await SimulatedServices()
        let (_, _, activity) = try await Self.groupWithAnActivity(services)
        let runner = Self.runner(services, services.instances)
        let job = Job(kind: .scalingActivity, hostID: Job.anyHost, instanceID: activity.id, boot: false, requestID: "", now: Date())
        await runner.abandonJob(job, reason: "gave up after 5 attempts that did not finish")
        let ended = try await services.store.read { tx in try await tx.scalingActivity(id: activity.id, accountID: nil) }
        #expect(ended?.status == .failed)
        #expect(ended?.statusMessage == "The activity could not be completed: gave up after 5 attempts that did not finish.")
        #expect(ended?.progress == 100)
        #expect(ended?.endTime != nil)
        #expect(try await services.store.read { tx in try await tx.scalingMembers(groupID: activity.groupID) }.isEmpty)
    }
}
