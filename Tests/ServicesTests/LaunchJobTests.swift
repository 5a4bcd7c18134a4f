import Foundation
import Instances
import KeywardCore
import Logging
import Services
import Store
import Testing

/// Launches as jobs: recorded Pending with the call, finished by a worker under a lease, idempotent by ClientToken.
@Suite struct LaunchJobTests {
    static func context(_ account: String, request: String = "r-1") -> CallContext {
        CallContext(
            principal: Principal(accountID: account, identity: .root, accessKeyID: "ak"), sourceIP: "127.0.0.1", secureTransport: false,
            requestID: request, regionID: "cn-hangzhou", apiVersion: "2014-05-26", describeError: { _ in ("E", "e") }
        )
    }

    static let operation = Operation.launch(start: true, instanceType: "ecs.g7.large", passwordInherit: nil, passwordCustomized: false)

    static func launch(_ instances: InstanceService, _ services: SimulatedServices, amount: Int = 1, token: String? = nil, name: String? = nil,
                       request: String = "r-1") async throws -> [String] {
        var launch = InstanceService.LaunchRequest(regionID: "cn-hangzhou", imageID: ImageService.linuxImageID, instanceType: "ecs.g7.large")
        launch.amount = amount
        launch.clientToken = token
        launch.instanceName = name
        let prepared = launch
        return try await AccessGateway(store: services.store, logger: services.logger).perform(operation, context(services.account, request: request)) {
            try await instances.launch($0, prepared)
        }
    }

    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<300 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func aLaunchReturnsPendingInstancesThatTheWorkerBringsToRunning() async throws {
        let services = try await SimulatedServices()
        let instances = services.instances
        // Claims nothing until started: the call returns with its instances Pending.
        let worker = instances.jobs
        let ids = try await Self.launch(instances, services, amount: 3)
        #expect(ids.count == 3)
        let store = services.store
        let recorded = try await store.read { tx in try await ids.asyncMap { try await tx.instance(id: $0, accountID: nil) } }
        #expect(recorded.allSatisfy { $0?.status == .running }, "without a running worker the call runs its jobs itself")
        let jobs = try await store.read { tx in try await tx.jobs(instanceIDs: ids) }
        #expect(jobs.map(\.state) == [.done, .done, .done])
        #expect(jobs.allSatisfy { $0.attempts == 1 })

        await worker.start({ job in try await instances.runJob(job) }, abandon: { job, reason in await instances.abandonJob(job, reason: reason) })
        let more = try await Self.launch(instances, services, amount: 2, request: "r-2")
        let pending = try await store.read { tx in try await more.asyncMap { try await tx.instance(id: $0, accountID: nil)?.status } }
        #expect(pending.allSatisfy { $0 == .pending || $0 == .starting || $0 == .running })
        // The job settles the launch operation after the boot records Running.
        try await Self.waitUntil("both Running, their launches settled") {
            try await store.read { tx in try await more.asyncMap { try await tx.instance(id: $0, accountID: nil) } }
                .allSatisfy { $0?.status == .running && $0?.latestOperation?.state == .success }
        }
        let launched = try await store.read { tx in try await tx.jobs(instanceIDs: more) }
        try await Self.waitUntil("the jobs done") {
            try await store.read { tx in try await tx.jobs(instanceIDs: more) }.allSatisfy { $0.state == .done }
        }
        #expect(launched.count == 2)
        await worker.stop()
    }

    @Test func aJobWhoseWorkerDiedIsFinishedOnceByTheNextClaimAfterItsLease() async throws {
        let services = try await SimulatedServices()
        let store = services.store
        let instances = services.instances
        let ids = try await Self.launch(instances, services)
        // A job left by a worker that died holding its lease.
        let job = Job(kind: .launch, hostID: "local", instanceID: ids[0], boot: true, requestID: "r-9", now: Date())
        try await store.write { tx in try await tx.insertJob(job) }
        let now = Date()
        let dead = try await store.write { tx in
            try await tx.claimJob(hostID: "local", worker: "dead", now: now, leaseUntil: now.addingTimeInterval(30))
        }
        #expect(dead?.id == job.id)
        #expect(try await store.write { tx in
            try await tx.claimJob(hostID: "local", worker: "early", now: now.addingTimeInterval(29), leaseUntil: now.addingTimeInterval(60))
        } == nil, "a job under lease is claimed again")
        // Once the lease has passed, another claim takes the job.
        let later = try await store.write { tx in
            try await tx.claimJob(hostID: "local", worker: "later", now: now.addingTimeInterval(31), leaseUntil: now.addingTimeInterval(61))
        }
        #expect(later?.id == job.id)
        #expect(later?.attempts == 2)
        // A server that starts again takes over its host's earlier leases at once and runs the job, once.
        let runs = RunCounter()
        let worker = JobWorker(store: store, hostID: "local", logger: services.logger)
        #expect(try await store.write { tx in try await tx.releaseJobLeases(hostID: "local", leasedBefore: worker.workerID) } == 1)
        await worker.runQueued({ job in
            runs.add(job.id)
            try await instances.runJob(job)
        }, abandon: { job, _ in Issue.record("job \(job.id) abandoned") })
        #expect(runs.ids == [job.id])
        let settled = try await store.read { tx in try await tx.job(id: job.id) }
        #expect(settled?.state == .done)
        #expect(settled?.attempts == 3)
        #expect(!(try await store.write { tx in try await tx.finishJob(id: job.id, worker: "dead", state: .failed, error: "late", at: Date()) }),
                "the dead worker's late outcome replaces the real one")
        #expect(try await store.read { tx in try await tx.job(id: job.id) }?.state == .done)
        #expect(try await store.read { tx in try await tx.instance(id: ids[0], accountID: nil) }?.status == .running)
    }

    /// A job whose runs all died before finishing is not run a sixth time: its instance is Stopped with the reason, and
    /// the launch's operation fails.
    @Test func aLaunchWhoseRunsAllDiedIsGivenUpAndItsInstanceStopped() async throws {
        let services = try await SimulatedServices()
        let store = services.store
        let instances = services.instances
        let ids = try await Self.launch(instances, services)
        let job = Job(kind: .launch, hostID: "local", instanceID: ids[0], boot: true, requestID: "r-1", now: Date())
        try await store.write { tx in
            guard var instance = try await tx.instance(id: ids[0], accountID: nil), var operation = instance.latestOperation else { return }
            instance.status = .starting
            operation.state = .operating
            try await tx.updateInstance(instance)
            try await tx.setLatestOperation(operation, instanceID: ids[0])
            try await tx.insertJob(job)
        }
        // Five workers claimed it and died holding it.
        var now = Date()
        for attempt in 1...JobWorker.attemptLimit {
            let claimed = try await store.write { [now] tx in
                try await tx.claimJob(hostID: "local", worker: "local/dead-\(attempt)", now: now, leaseUntil: now.addingTimeInterval(30))
            }
            #expect(claimed?.id == job.id)
            now.addTimeInterval(31)
        }
        try await store.write { tx in _ = try await tx.releaseJobLeases(hostID: "local", leasedBefore: "local/live") }
        let runs = RunCounter()
        let abandoned = RunCounter()
        await instances.jobs.runQueued({ job in runs.add(job.id) }, abandon: { job, reason in
            abandoned.add(job.id)
            await instances.abandonJob(job, reason: reason)
        })
        #expect(runs.ids.isEmpty)
        #expect(abandoned.ids == [job.id])
        let settled = try await store.read { tx in try await tx.job(id: job.id) }
        #expect(settled?.state == .failed)
        #expect(settled?.error == "gave up after 5 attempts that did not finish")
        let instance = try await store.read { tx in try await tx.instance(id: ids[0], accountID: nil) }
        #expect(instance?.status == .stopped)
        #expect(instance?.startFailure == "The instance could not be started: gave up after 5 attempts that did not finish.")
        #expect(instance?.latestOperation?.state == .failed)
    }

    /// At its start a worker takes over at once what its host's earlier run leased, any-host jobs included, and
    /// leaves the leases of other hosts' workers alone.
    @Test func aRestartedWorkerTakesOverItsHostsEarlierLeasesOfAnyHostJobsOnly() async throws {
        let services = try await SimulatedServices()
        let store = services.store
        let mine = Job(kind: .scalingActivity, hostID: Job.anyHost, instanceID: "asa-mine", boot: false, requestID: "", now: Date())
        let theirs = Job(kind: .scalingActivity, hostID: Job.anyHost, instanceID: "asa-theirs", boot: false, requestID: "", now: Date())
        let now = Date()
        try await store.write { tx in
            try await tx.insertJob(mine)
            _ = try await tx.claimJob(hostID: "local", worker: "local/earlier-run", now: now, leaseUntil: now.addingTimeInterval(30))
            try await tx.insertJob(theirs)
            _ = try await tx.claimJob(hostID: "local-2", worker: "local-2/running", now: now, leaseUntil: now.addingTimeInterval(30))
        }
        let worker = JobWorker(store: store, hostID: "local", logger: services.logger)
        #expect(try await store.write { tx in try await tx.releaseJobLeases(hostID: "local", leasedBefore: worker.workerID) } == 1)
        let claimed = try await store.write { tx in
            try await tx.claimJob(hostID: "local", worker: worker.workerID, now: now.addingTimeInterval(1), leaseUntil: now.addingTimeInterval(31))
        }
        #expect(claimed?.id == mine.id)
        #expect(claimed?.attempts == 2)
        #expect(try await store.read { tx in try await tx.job(id: theirs.id) }?.leaseOwner == "local-2/running")
    }

    @Test func aClientTokenRepeatsTheFirstLaunchAndRefusesOtherParameters() async throws {
        let services = try await SimulatedServices()
        let instances = services.instances
        let first = try await Self.launch(instances, services, amount: 2, token: "token-1", name: "web")
        let again = try await Self.launch(instances, services, amount: 2, token: "token-1", name: "web", request: "r-2")
        #expect(again == first)
        await #expect(throws: DomainError.idempotentParameterMismatch) {
            try await Self.launch(instances, services, amount: 3, token: "token-1", name: "web", request: "r-3")
        }
        await #expect(throws: DomainError.invalidParameter(name: "ClientToken", reason: "must be 1 to 64 printable ASCII characters")) {
            try await Self.launch(instances, services, token: String(repeating: "x", count: 65))
        }
        // Racing calls with one token make one batch.
        let raced = try await withThrowingTaskGroup(of: [String].self) { group in
            for index in 0..<6 { group.addTask { try await Self.launch(instances, services, token: "token-2", name: "race", request: "r-\(index + 10)") } }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        #expect(Set(raced).count == 1)
        let account = services.account
        let all = try await services.store.read { tx in
            try await tx.instances(matching: InstanceQuery(accountID: account, regionID: "cn-hangzhou"), page: nil).items
        }
        #expect(all.count == 3, "2 from token-1 and 1 from token-2")
    }

    /// Settled jobs are kept a day; older ones are forgotten, and unsettled ones are kept however old.
    @Test func settledJobsAreForgottenAfterADay() async throws {
        let services = try await SimulatedServices()
        let store = services.store
        let worker = JobWorker(store: store, hostID: "local", logger: services.logger)
        let now = Date()
        let twoDaysAgo = now.addingTimeInterval(-2 * 24 * 3600)
        var ids: [String: String] = [:]
        for (name, settledAt) in [("old", Optional(twoDaysAgo)), ("recent", Optional(now.addingTimeInterval(-3600))), ("open", nil)] {
            let job = Job(kind: .launch, hostID: "local", instanceID: "i-\(name)", boot: true, requestID: "r", now: twoDaysAgo)
            ids[name] = job.id
            try await store.write { tx in
                try await tx.insertJob(job)
                guard let settledAt else { return }
                _ = try await tx.claimJob(hostID: "local", worker: "w", now: settledAt, leaseUntil: settledAt.addingTimeInterval(30))
                _ = try await tx.finishJob(id: job.id, worker: "w", state: .done, error: nil, at: settledAt)
            }
        }
        await worker.purgeSettled(now: now)
        let left = try await store.read { tx in try await tx.jobs(instanceIDs: ["i-old", "i-recent", "i-open"]) }
        #expect(Set(left.map(\.id)) == [ids["recent"]!, ids["open"]!])
    }
}

final class RunCounter: Sendable {
    private let state = Mutex<[String]>([])
    func add(_ id: String) { state.withLock { $0.append(id) } }
    var ids: [String] { state.withLock { $0 } }
}

import Synchronization
