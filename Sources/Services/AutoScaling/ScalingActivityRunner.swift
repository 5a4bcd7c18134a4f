import Foundation
import KeywardCore
import Logging
import Store

/// Carries out scaling activities in the background, as Auto Scaling itself does: launches and releases instances
/// through the same instance code, acting for the group's account. Each activity is recorded before it runs and is
/// safe to run again. On a server, an activity (and a group's deletion) is a job that any server's worker may claim
/// (`Job.anyHost`), one job at most per activity, so that of several servers on one database one carries it out and
/// another takes over if that one dies; without a running worker (tests, tools) it runs in this process. It also
/// replaces members that died.
public actor ScalingActivityRunner {
    private let store: any Store
    private let instances: InstanceService
    private let gateway: AccessGateway
    private let describeError: @Sendable (any Error) -> (code: String, message: String)
    private let logger: Logger
    /// Activities and deletions running in this process (when no worker runs them as jobs).
    private var running: [String: Task<Void, Never>] = [:]
    private var healthChecks: Task<Void, Never>?

    public init(
        store: any Store, instances: InstanceService, gateway: AccessGateway, logger: Logger,
        describeError: @escaping @Sendable (any Error) -> (code: String, message: String)
    ) {
        self.store = store
        self.instances = instances
        self.gateway = gateway
        self.logger = logger
        self.describeError = describeError
    }

    /// Has the activity carried out: queued as a job unless one is open for it already, or started here unless it
    /// runs here.
    public func run(_ activityID: String) async {
        await dispatch(.scalingActivity, activityID) { await $0.execute(activityID) }
    }

    /// Deletes a group marked Deleting once its activity ends: its own instances released, attached ones let go.
    public func finishDeletion(_ groupID: String) async {
        await dispatch(.scalingGroupDeletion, groupID) { await $0.delete(groupID) }
    }

    /// Runs one of the worker's jobs: Auto Scaling's here, an instance's through `InstanceService`.
    public nonisolated func runJob(_ job: Job) async throws {
        switch job.kind {
        case .scalingActivity: await execute(job.instanceID)
        case .scalingGroupDeletion: await delete(job.instanceID)
        case .launch, .start, .stop, .reboot, .delete: try await instances.runJob(job)
        }
    }

    /// Settles a job whose runs all ended without finishing (see `JobWorker.Abandon`): its activity fails with the
    /// reason; a group's deletion is left to run again at the next health check.
    public nonisolated func abandonJob(_ job: Job, reason: String) async {
        switch job.kind {
        case .scalingActivity: await abandonActivity(job.instanceID, reason: reason)
        case .scalingGroupDeletion:
            logger.error("scaling group deletion given up; it is queued again at the next health check",
                         metadata: ["group": "\(job.instanceID)", "reason": "\(reason)"])
        case .launch, .start, .stop, .reboot, .delete: await instances.abandonJob(job, reason: reason)
        }
    }

    private func dispatch(_ kind: Job.Kind, _ subject: String, here work: @escaping @Sendable (ScalingActivityRunner) async -> Void) async {
        let jobs = instances.jobs
        guard jobs.isRunning else {
            let key = "\(kind.rawValue):\(subject)"
            guard running[key] == nil else { return }
            running[key] = Task { [weak self] in
                guard let self else { return }
                await work(self)
                await self.finished(key)
            }
            return
        }
        let job = Job(kind: kind, hostID: Job.anyHost, instanceID: subject, boot: false, requestID: "", now: Date())
        do {
            // Under the write lock, which every server's writes take: no second open job for the same activity.
            let queued = try await store.write { tx in
                guard try await tx.jobs(instanceIDs: [subject]).allSatisfy({ $0.kind != kind || $0.isSettled }) else { return false }
                try await tx.insertJob(job)
                return true
            }
            if queued { jobs.wake() }
        } catch {
            logger.error("scaling job not queued", metadata: ["kind": "\(kind.rawValue)", "subject": "\(subject)", "error": "\(error)"])
        }
    }

    /// After a restart: every activity in progress runs again (or goes on as its job), and deletions under way finish.
    public func resume() async {
        let (activities, deleting) = (try? await store.read { tx in
            (try await tx.scalingActivitiesInProgress(), try await tx.scalingGroups(inStates: [.deleting]))
        }) ?? ([], [])
        for activity in activities { await run(activity.id) }
        for group in deleting { await finishDeletion(group.id) }
    }

    /// Waits for everything started so far (tests, shutdown).
    public func idle() async {
        while let task = running.values.first { await task.value }
    }

    /// Checks the members of every active group every `interval`.
    public func startHealthChecks(every interval: Duration) {
        healthChecks?.cancel()
        healthChecks = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.checkHealth()
            }
        }
    }

    public func stopHealthChecks() {
        healthChecks?.cancel()
        healthChecks = nil
    }

    private func finished(_ key: String) {
        running[key] = nil
    }

    // MARK: Health

    /// A member whose system no longer runs is unhealthy: it leaves the group (released when the group created it). Then
    /// every active group that is outside its bounds or below its desired capacity (a member removed, an instance
    /// deleted through ECS) gets an activity that brings it back.
    public func checkHealth() async {
        // An activity whose job was not queued (its server died between recording it and queueing it) is queued now.
        await resume()
        guard let groups = try? await store.read({ tx in try await tx.scalingGroups(inStates: [.active]) }) else { return }
        for group in groups {
            guard let members = try? await store.read({ tx in try await tx.scalingMembers(groupID: group.id) }) else { continue }
            for member in members where member.state == .inService && !member.isProtected {
                guard let instance = try? await store.read({ tx in try await tx.instance(id: member.instanceID, accountID: nil) }),
                      !(await instances.isHealthy(instance))
                else { continue }
                logger.info("unhealthy scaling member removed", metadata: ["group": "\(group.id)", "instance": "\(member.instanceID)"])
                if member.isReleasedOnRemoval { try? await release(member.instanceID, group: group) }
                try? await store.write { tx in try await tx.deleteScalingMember(instanceID: member.instanceID) }
            }
            let activity: ScalingActivity? = try? await store.write { tx in
                // Read again here: the group may have been disabled, resized or deleted meanwhile.
                guard let current = try await tx.scalingGroup(id: group.id, accountID: nil), current.state == .active else { return nil }
                return try await AutoScalingService.recordActivityToBounds(current, cause: "The scaling group keeps its capacity", in: tx)
            }
            if let activity { await run(activity.id) }
        }
    }

    // MARK: Activities

    private func execute(_ activityID: String) async {
        guard var activity = try? await store.read({ tx in try await tx.scalingActivity(id: activityID, accountID: nil) }),
              activity.status == .inProgress
        else { return }
        let groupID = activity.groupID
        do {
            guard let group = try await store.read({ tx in try await tx.scalingGroup(id: groupID, accountID: nil) }) else {
                throw DomainError.scalingGroupNotFound(groupID)
            }
            var failures = 0
            failures += try await settlePending(group)
            try await removePlanned(&activity, group: group)
            failures += try await launchMissing(&activity, group: group)
            activity.status = failures == 0 ? .successful : (activity.createdInstances.count > failures ? .warning : .failed)
            activity.statusMessage = failures == 0 ? "" : "\(failures) ECS instances failed to start."
        } catch {
            activity.status = .failed
            activity.statusMessage = "The activity could not be completed: \(describeError(error).message)"
            logger.error("scaling activity failed", metadata: ["activity": "\(activityID)", "error": "\(error)"])
        }
        await recordEnd(activity)
    }

    private func abandonActivity(_ activityID: String, reason: String) async {
        guard var activity = try? await store.read({ tx in try await tx.scalingActivity(id: activityID, accountID: nil) }),
              activity.status == .inProgress
        else { return }
        activity.status = .failed
        activity.statusMessage = "The activity could not be completed: \(reason)."
        logger.error("scaling activity given up", metadata: ["activity": "\(activityID)", "reason": "\(reason)"])
        await recordEnd(activity)
    }

    /// Records the end of `activity` (its status and message set): progress 100 and its end time.
    private func recordEnd(_ activity: ScalingActivity) async {
        var ended = activity
        ended.progress = 100
        ended.endTime = Date()
        let record = ended
        // An activity left InProgress would block its group: try hard to record the end.
        for attempt in 0..<5 {
            if (try? await store.write({ tx in try await tx.updateScalingActivity(record) })) != nil { return }
            try? await Task.sleep(for: .milliseconds(200 << attempt))
        }
        logger.error("scaling activity end not recorded", metadata: ["activity": "\(activity.id)"])
    }

    /// Members a cut-short run left Pending: started if their instance exists, dropped otherwise. Returns the failures.
    private func settlePending(_ group: ScalingGroup) async throws -> Int {
        let pending = try await store.read { tx in try await tx.scalingMembers(groupID: group.id) }.filter { $0.state == .pending }
        var failures = 0
        for member in pending {
            guard let instance = try await store.read({ tx in try await tx.instance(id: member.instanceID, accountID: nil) }) else {
                try await store.write { tx in try await tx.deleteScalingMember(instanceID: member.instanceID) }
                continue
            }
            if instance.status == .stopped, !(await start(member.instanceID, group: group)) {
                failures += 1
                try await discard(member, group: group)
                continue
            }
            try await markInService(member)
        }
        // A removal a stop cut short: the member goes on as it was (the activity that chose it failed or runs again).
        for var member in try await store.read({ tx in try await tx.scalingMembers(groupID: group.id) }) where member.state == .removing {
            member.state = .inService
            let restored = member
            try await store.write { tx in try await tx.updateScalingMember(restored) }
        }
        return failures
    }

    /// A member that never started: its instance is released and it leaves the group.
    private func discard(_ member: ScalingMember, group: ScalingGroup) async throws {
        try? await release(member.instanceID, group: group)
        try await store.write { tx in try await tx.deleteScalingMember(instanceID: member.instanceID) }
    }

    private func removePlanned(_ activity: inout ScalingActivity, group: ScalingGroup) async throws {
        for id in activity.instancesToRemove where !activity.destroyedInstances.contains(id) {
            guard var member = try await store.read({ tx in try await tx.scalingMember(instanceID: id) }), member.groupID == group.id else { continue }
            member.state = .removing
            let removing = member
            try await store.write { tx in try await tx.updateScalingMember(removing) }
            if member.isReleasedOnRemoval {
                do {
                    try await release(id, group: group)
                } catch {
                    // Not released: it stays in the group, in service.
                    member.state = .inService
                    let restored = member
                    try await store.write { tx in try await tx.updateScalingMember(restored) }
                    throw error
                }
            }
            try await store.write { tx in try await tx.deleteScalingMember(instanceID: id) }
            activity.destroyedInstances.append(id)
            let progressed = activity
            try await store.write { tx in try await tx.updateScalingActivity(progressed) }
        }
    }

    /// Launches what the target still lacks from the active configuration: recorded Pending, then started. Returns the
    /// instances that failed to start.
    private func launchMissing(_ activity: inout ScalingActivity, group: ScalingGroup) async throws -> Int {
        let current = try await store.read { tx in try await tx.scalingMembers(groupID: group.id) }.filter { $0.state != .removing }.count
        let missing = activity.targetCapacity - current
        guard missing > 0 else { return 0 }
        // A group being deleted launches nothing more.
        guard try await store.read({ tx in try await tx.scalingGroup(id: group.id, accountID: nil) })?.state != .deleting else { return 0 }
        guard let configurationID = group.activeConfigurationID,
              let configuration = try await store.read({ tx in try await tx.scalingConfiguration(id: configurationID, accountID: nil) })
        else { throw DomainError.missingActiveScalingConfiguration }
        var created: [String] = []
        var remaining = missing
        while remaining > 0 {
            let batch = min(remaining, InstanceService.amountLimit)
            let ids = try await launch(batch, configuration: configuration, group: group, activityID: activity.id)
            created += ids
            remaining -= batch
        }
        activity.createdInstances += created
        activity.progress = 50
        let progressed = activity
        try await store.write { tx in try await tx.updateScalingActivity(progressed) }
        let groupValue = group
        let failures = await withTaskGroup(of: Bool.self) { tasks in
            var failed = 0
            for (offset, id) in created.enumerated() {
                if offset >= 8, let ok = await tasks.next(), !ok { failed += 1 }
                tasks.addTask { await self.start(id, group: groupValue) }
            }
            for await ok in tasks where !ok { failed += 1 }
            return failed
        }
        for id in created {
            guard let member = try await store.read({ tx in try await tx.scalingMember(instanceID: id) }), member.state == .pending else { continue }
            if try await store.read({ tx in try await tx.instance(id: id, accountID: nil) })?.status == .running {
                try await markInService(member)
            } else {
                try await discard(member, group: group)
            }
        }
        return failures
    }

    private func markInService(_ member: ScalingMember) async throws {
        var member = member
        member.state = .inService
        let updated = member
        try await store.write { tx in try await tx.updateScalingMember(updated) }
    }

    // MARK: Deletion

    private func delete(_ groupID: String) async {
        // The activity in progress ends first.
        while let inProgress = try? await store.read({ tx in try await tx.scalingActivitiesInProgress() }), inProgress.contains(where: { $0.groupID == groupID }) {
            try? await Task.sleep(for: .milliseconds(200))
        }
        guard let group = try? await store.read({ tx in try await tx.scalingGroup(id: groupID, accountID: nil) }) else { return }
        let members = (try? await store.read { tx in try await tx.scalingMembers(groupID: groupID) }) ?? []
        var unreleased = 0
        for member in members where member.isReleasedOnRemoval {
            do {
                try await release(member.instanceID, group: group)
            } catch {
                unreleased += 1
                logger.error("scaling member not released", metadata: ["group": "\(groupID)", "instance": "\(member.instanceID)", "error": "\(error)"])
            }
        }
        // The group stays Deleting while an instance it made is not released: the next start tries again.
        guard unreleased == 0 else { return }
        try? await store.write { tx in try await tx.deleteScalingGroup(id: groupID) }
        logger.info("scaling group deleted", metadata: ["group": "\(groupID)", "instances": "\(members.count)"])
    }

    // MARK: Acting for the account

    /// Calls the instance code through the access door as the group's account, so that the work is authorised and
    /// audited like any other.
    private func perform<T: Sendable>(_ operation: Operation, group: ScalingGroup, _ body: @Sendable (AuthorizedCall) async throws -> T) async throws -> T {
        let principal = Principal(accountID: group.accountID, identity: .root, accessKeyID: "ess.aliyuncs.com")
        let context = CallContext(
            principal: principal, sourceIP: "ess.aliyuncs.com", secureTransport: true, requestID: UUID().uuidString, regionID: group.regionID,
            apiVersion: "2014-08-28", describeError: describeError
        )
        return try await gateway.perform(operation, context, body)
    }

    /// Launches Stopped instances, recording them as Pending members (tagged with the group) in the same transaction.
    private func launch(_ count: Int, configuration: ScalingConfiguration, group: ScalingGroup, activityID: String) async throws -> [String] {
        var request = InstanceService.LaunchRequest(regionID: group.regionID, imageID: configuration.imageID, instanceType: configuration.instanceTypes[0])
        request.amount = count
        request.instanceName = configuration.instanceName ?? "ESS-\(group.name)"
        request.nameRule = .anyCharacters(maxLength: 128)
        request.hostName = configuration.hostName
        request.keyPairs = configuration.keyPairName.map { .names([$0]) }
        request.passwordHash = configuration.passwordHash
        request.passwordInherit = configuration.passwordInherit
        request.unknownPasswordWhenNoLogin = true
        request.userData = configuration.userData
        request.start = false
        // The activity goes on once the instances have their disks (Stopped), as it did when launches were synchronous.
        request.awaitLaunch = true
        request.alsoRecord = { tx, instances in
            for instance in instances {
                try await tx.insertScalingMember(ScalingMember(
                    instanceID: instance.id, groupID: group.id, accountID: group.accountID, configurationID: configuration.id, creationType: .autoCreated,
                    state: .pending, isProtected: false, isEntrusted: false, activityID: activityID, creationTime: Date()
                ))
                try await tx.setTags([.scalingGroup(group.id)], resourceType: ResourceType.instance, resourceID: instance.id,
                                     accountID: group.accountID, regionID: group.regionID)
            }
        }
        let launch = request
        let operation = Operation.launch(
            start: false, instanceType: launch.instanceType, passwordInherit: configuration.passwordInherit, passwordCustomized: configuration.passwordHash != nil
        )
        return try await perform(operation, group: group) { try await self.instances.launch($0, launch) }
    }

    /// Whether the instance started.
    private func start(_ instanceID: String, group: ScalingGroup) async -> Bool {
        do {
            try await perform(.instanceAction("StartInstance", [instanceID]), group: group) { try await self.instances.start($0, instanceID: instanceID) }
            return true
        } catch {
            logger.error("scaling instance failed to start", metadata: ["instance": "\(instanceID)", "error": "\(error)"])
            return false
        }
    }

    private func release(_ instanceID: String, group: ScalingGroup) async throws {
        try await perform(.instanceAction("DeleteInstance", [instanceID]), group: group) {
            try await self.instances.delete($0, instanceID: instanceID, force: true)
        }
    }
}
