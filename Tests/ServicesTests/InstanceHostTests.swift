import Foundation
import Instances
import KeywardCore
import Logging
import Services
import Store
import Testing

/// Servers sharing one database each run the instances of their own host.
@Suite struct InstanceHostTests {
    @Test func aCallForAnotherHostsInstanceBecomesAJobForThatHost() async throws {
        let services = try await SimulatedServices()
        let (store, logger, account) = (services.store, services.logger, services.account)
        let hostA = InstanceService(store: store, driver: services.driver, regions: services.regions, logger: logger, hostID: "host-a")
        let hostB = InstanceService(store: store, driver: SimulatedDriver(), regions: services.regions, logger: logger, hostID: "host-b")
        let gateway = AccessGateway(store: store, logger: logger)
        let root = Principal(accountID: account, identity: .root, accessKeyID: "ak")
        let context = CallContext(
            principal: root, sourceIP: "127.0.0.1", secureTransport: false, requestID: "r-1", regionID: "cn-hangzhou", apiVersion: "2014-05-26",
            describeError: { _ in ("E", "e") }
        )
        let launch = InstanceService.LaunchRequest(regionID: "cn-hangzhou", imageID: ImageService.linuxImageID, instanceType: "ecs.g7.large")
        let ids = try await gateway.perform(.launch(start: true, instanceType: "ecs.g7.large", passwordInherit: nil, passwordCustomized: false), context) {
            try await hostA.launch($0, launch)
        }
        let id = try #require(ids.first)
        let recorded = try await store.read { tx in try await tx.instance(id: id, accountID: nil) }
        #expect(recorded?.hostID == "host-a")
        #expect(recorded?.status == .running)

        // B answers at once and leaves the stop to A's worker; B's driver never touches the instance.
        try await gateway.perform(.instanceAction("ecs:StopInstance", [id]), context) { try await hostB.stop($0, instanceID: id) }
        let passed = try await store.read { tx in try await tx.jobs(instanceIDs: [id]) }.filter { $0.kind == .stop }
        #expect(passed.map(\.hostID) == ["host-a"])
        #expect(passed.map(\.state) == [.queued])
        #expect(try await store.read { tx in try await tx.instance(id: id, accountID: nil) }?.latestOperation?.state == .operating)
        await hostB.jobs.runQueued(hostB.runJob, abandon: hostB.abandonJob)
        #expect(try await store.read { tx in try await tx.job(id: passed[0].id) }?.state == .queued, "B ran A's job")
        #expect(try await store.read { tx in try await tx.instance(id: id, accountID: nil) }?.status == .running)
        await hostA.jobs.runQueued(hostA.runJob, abandon: hostA.abandonJob)
        #expect(try await store.read { tx in try await tx.job(id: passed[0].id) }?.state == .done)
        let stopped = try await store.read { tx in try await tx.instance(id: id, accountID: nil) }
        #expect(stopped?.status == .stopped)
        #expect(stopped?.latestOperation?.state == .success)
        // What needs the host's files (a new system disk) is refused elsewhere, by name.
        await #expect(throws: DomainError.instanceOnAnotherHost(instanceID: id, hostID: "host-a")) {
            try await gateway.perform(.replaceSystemDisk(instanceID: id, imageID: nil, passwordInherit: nil, passwordCustomized: false), context) {
                try await hostB.replaceSystemDisk($0, instanceID: id, imageID: nil, password: nil, keyPairName: nil, passwordInherit: false)
            }
        }
        // B's restart adopts none of A's instances: A's stays recorded under A.
        await hostB.reconcile()
        let afterB = try await store.read { tx in try await tx.instance(id: id, accountID: nil) }
        #expect(afterB?.status == .stopped)
        #expect(afterB?.hostID == "host-a")
        let listedByB = try await gateway.perform(.read("ecs:DescribeInstances", [.ecs("instance/*")]), context) {
            try await hostB.describe($0, query: InstanceQuery(accountID: account, regionID: "cn-hangzhou"), page: PageRequest(number: 1, size: 10))
        }
        #expect(listedByB.items.map(\.id) == [id])
        try await gateway.perform(.instanceAction("ecs:StartInstance", [id]), context) { try await hostA.start($0, instanceID: id) }
        #expect(try await store.read { tx in try await tx.instance(id: id, accountID: nil) }?.status == .running, "A runs its own at once")
    }

    @Test func instancesRecordedBeforeHostsBelongToTheFirstServerThatStarts() async throws {
        let services = try await SimulatedServices()
        let (store, logger, account) = (services.store, services.logger, services.account)
        var legacy = Instance(
            id: ResourceID.make(prefix: "i"), accountID: account, regionID: "cn-hangzhou", name: "old", hostName: "old", imageID: ImageService.linuxImageID,
            instanceType: "ecs.g7.large", osType: .linux, status: .stopped, bound: InstanceCredentials(), effective: nil, firstBootPending: true,
            passwordInherit: false, endpoint: nil, userData: "", metadataTokensRequired: false, metadataEnabled: true, creationTime: Date(),
            startTime: nil, firstBootReport: []
        )
        legacy.hostID = ""
        try await store.write { [legacy] tx in try await tx.insertInstance(legacy, quota: Instance.quotaPerRegion) }
        await InstanceService(store: store, driver: services.driver, regions: services.regions, logger: logger, hostID: "host-a").reconcile()
        await InstanceService(store: store, driver: services.driver, regions: services.regions, logger: logger, hostID: "host-b").reconcile()
        let id = legacy.id
        #expect(try await store.read { tx in try await tx.instance(id: id, accountID: nil) }?.hostID == "host-a")
    }
}
