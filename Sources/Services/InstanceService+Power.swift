import Foundation
import Instances
import KeywardCore

/// Power: start, stop, reboot, delete, the boot itself, and what a restart of the control plane finds.
extension InstanceService {
    // MARK: Power

    public func start(_ call: AuthorizedCall, instanceID: String) async throws {
        try await check(call, instanceID: instanceID, .start)
        if try await delegated(.start, instanceID, call, operation: .start) { return }
        try await tracked(.start, instanceID, call) { try await self.boot(instanceID, from: [.stopped]) }
    }

    public func stop(_ call: AuthorizedCall, instanceID: String) async throws {
        try await check(call, instanceID: instanceID, .stop)
        if try await delegated(.stop, instanceID, call, operation: .stop) { return }
        try await tracked(.stop, instanceID, call) { try await self.halt(instanceID, call) }
    }

    public func reboot(_ call: AuthorizedCall, instanceID: String) async throws {
        try await check(call, instanceID: instanceID, .reboot)
        if try await delegated(.reboot, instanceID, call, operation: .reboot) { return }
        try await tracked(.reboot, instanceID, call) { try await self.boot(instanceID, from: [.running]) }
    }

    /// When another host of the deployment runs the instance, records the call as a job for that host's worker (with
    /// the call's operation as the instance's latest, `operating` until the worker settles it) and returns true: the call
    /// is answered at once, as ECS answers StartInstance, and DescribeInstances shows the rest.
    func delegated(_ kind: Job.Kind, _ instanceID: String, _ call: AuthorizedCall, operation: InstanceOperation.Kind?) async throws -> Bool {
        guard let instance = try await store.read({ tx in try await tx.instance(id: instanceID, accountID: nil) }),
              instance.agent == nil, !instance.hostID.isEmpty, instance.hostID != hostID
        else { return false }
        let requestID = call.context.requestID
        let job = Job(kind: kind, hostID: instance.hostID, instanceID: instanceID, boot: false, requestID: requestID, now: Date())
        try await call.write { tx in
            if let operation {
                try await tx.setLatestOperation(InstanceOperation(kind: operation, state: .operating, requestID: requestID, startTime: Date()),
                                                instanceID: instanceID)
            }
            try await tx.insertJob(job)
        }
        logger.info("call passed to the instance's host", metadata: ["instance": "\(instanceID)", "host": "\(instance.hostID)", "job": "\(kind.rawValue)"])
        return true
    }

    /// Runs a call another server passed to this host (see `delegated`), settling the instance's latest operation.
    func runDelegated(_ job: Job) async throws {
        let instanceID = job.instanceID
        do {
            switch job.kind {
            case .start: try await boot(instanceID, from: [.stopped])
            case .reboot: try await boot(instanceID, from: [.running])
            case .stop: try await halt(instanceID, nil)
            case .delete:
                try await exclusive(instanceID) {
                    guard let instance = try await self.store.read({ tx in try await tx.instance(id: instanceID, accountID: nil) }) else { return }
                    if instance.osType == .linux, instance.agent == nil { try await self.driver.destroy(instanceID: instanceID) }
                    try await self.store.write { tx in try await tx.deleteInstance(id: instanceID) }
                }
                return
            case .launch, .scalingActivity, .scalingGroupDeletion: return
            }
            try await finishOperation(instanceID, requestID: job.requestID, failure: nil)
        } catch {
            try? await finishOperation(instanceID, requestID: job.requestID, failure: error)
            throw error
        }
    }

    /// Whether the instance is up or on its way (Auto Scaling's health check): a stopped one, or one recorded Running
    /// whose system is gone, is not.
    public func isHealthy(_ instance: Instance) async -> Bool {
        switch instance.status {
        case .stopped: return false
        case .running where instance.osType == .linux && instance.agent == nil:
            // Only the instance's own host can see its system; another host's server takes it as it is recorded.
            guard instance.hostID.isEmpty || instance.hostID == hostID else { return true }
            return await driver.isRunning(instanceID: instance.id)
        default: return true
        }
    }

    /// Fails unless the caller's instance exists, may be acted on by this call, and its status allows `operation` now.
    public func check(_ call: AuthorizedCall, instanceID: String, _ operation: InstanceRules.Operation) async throws {
        let instance = try await owned(instanceID, call)
        try InstanceRules.check(operation, status: instance.status)
    }

    /// Powers the instance's system off and records it Stopped (in the call's transaction when there is a call).
    func halt(_ instanceID: String, _ call: AuthorizedCall?) async throws {
        try await exclusive(instanceID) {
            guard var current = try await self.store.read({ tx in try await tx.instance(id: instanceID, accountID: nil) }) else { return }
            guard current.status != .stopped else { return }
            try await self.setStatus(instanceID, .stopping)
            if current.osType == .linux, current.agent == nil { try await self.driver.stop(instanceID: instanceID) }
            current.status = .stopped
            let stopped = current
            if let call {
                try await call.write { tx in try await tx.updateInstance(stopped) }
            } else {
                try await self.store.write { tx in try await tx.updateInstance(stopped) }
            }
        }
    }

    /// Whether `delete` would be allowed now.
    public func checkDeletable(_ call: AuthorizedCall, instanceID: String, force: Bool) async throws {
        try await check(call, instanceID: instanceID, force ? .forceDelete : .delete)
    }

    public func delete(_ call: AuthorizedCall, instanceID: String, force: Bool) async throws {
        try await checkDeletable(call, instanceID: instanceID, force: force)
        if try await delegated(.delete, instanceID, call, operation: nil) { return }
        try await exclusive(instanceID) {
            // Checked again under the lock: a start may have won the race.
            let instance = try await self.owned(instanceID, call)
            try InstanceRules.check(force ? .forceDelete : .delete, status: instance.status)
            if instance.osType == .linux, instance.agent == nil { try await self.driver.destroy(instanceID: instanceID) }
            try await call.write { tx in try await tx.deleteInstance(id: instanceID) }
        }
        logger.info("instance deleted", metadata: ["instance": "\(instanceID)"])
    }

    /// Starts (or restarts) the instance's system with its bound credentials; they are effective afterwards.
    func boot(_ instanceID: String, from statuses: Set<InstanceStatus>) async throws {
        try await exclusive(instanceID) {
            guard var instance = try await self.store.read({ tx in try await tx.instance(id: instanceID, accountID: nil) }) else {
                throw DomainError.instanceNotFound(instanceID)
            }
            guard statuses.contains(instance.status) else { throw DomainError.incorrectInstanceStatus(instance.status.rawValue) }
            if instance.agent != nil {
                // A remote host is never powered on or off from here: its agent is told to apply the bound credentials.
                // Read and written in one transaction, so that a concurrent report from the agent is not lost.
                try await self.store.write { tx in
                    guard var current = try await tx.instance(id: instanceID, accountID: nil), var binding = current.agent else { return }
                    binding.requestedGeneration += 1
                    current.agent = binding
                    current.status = .running
                    current.startTime = Date()
                    try await tx.updateInstance(current)
                }
                return
            }
            try await self.setStatus(instanceID, .starting)
            do {
                if instance.osType == .linux {
                    let report = try await self.driver.start(instanceID: instanceID, plan: self.bootPlan(for: instance))
                    if instance.firstBootPending {
                        instance.firstBootReport = report.sanitized.map { "\($0.kind) \($0.path)" }
                    }
                }
            } catch {
                if case DriverError.apply = error { CredentialApplies.record(.failed, by: "sandbox") }
                instance.status = .stopped
                instance.startFailure = Self.startFailure(error)
                let failed = instance
                try await self.store.write { tx in try await tx.updateInstance(failed) }
                self.logger.error("instance failed to start", metadata: ["instance": "\(instanceID)", "error": "\(error)"])
                throw DomainError.internalFailure("instance \(instanceID) failed to start")
            }
            if instance.osType == .linux { CredentialApplies.record(.applied, by: "sandbox") }
            instance.status = .running
            instance.startFailure = nil
            instance.effective = instance.bound
            instance.firstBootPending = false
            instance.startTime = Date()
            let started = instance
            try await self.store.write { tx in try await tx.updateInstance(started) }
            self.logger.info("instance started", metadata: ["instance": "\(instanceID)"])
        }
    }

    func bootPlan(for instance: Instance) -> BootPlan {
        let desired = DesiredCredentials(
            loginUser: "root",
            authorizedKeys: instance.bound.publicKeys,
            passwordHash: instance.bound.passwordHash,
            passwordAuthentication: instance.bound.passwordAuthentication,
            hostname: instance.hostName
        )
        return BootPlan(
            hostName: instance.hostName,
            credentials: desired,
            firstBoot: instance.firstBootPending,
            keepPresetPasswordOf: instance.bound.passwordInherited && instance.bound.passwordHash == nil ? "root" : nil
        )
    }

    func setStatus(_ instanceID: String, _ status: InstanceStatus) async throws {
        try await store.write { tx in
            guard var instance = try await tx.instance(id: instanceID, accountID: nil) else { return }
            instance.status = status
            try await tx.updateInstance(instance)
        }
    }

    // MARK: Restart of the control plane

    /// After a restart: instances recorded as running are re-adopted when their system still runs, restarted
    /// with their effective credentials otherwise; interrupted transitions are settled.
    public func reconcile() async {
        let hostID = self.hostID
        do {
            try await store.write { tx in try await tx.claimUnhostedInstances(hostID: hostID) }
        } catch {
            logger.error("instances recorded without a host were not claimed", metadata: ["error": "\(error)"])
        }
        guard let (instances, launching) = try? await store.read({ tx in
            (try await tx.instances(inStatuses: [.running, .starting, .stopping, .pending], hostID: hostID),
             try await tx.unsettledJobInstanceIDs(hostID: hostID))
        }) else { return }
        // An instance with a job still open is the job's to finish (the worker claims it once its lease expires).
        for instance in instances where instance.osType == .linux && instance.agent == nil && !launching.contains(instance.id) {
            let running = await driver.isRunning(instanceID: instance.id)
            switch instance.status {
            case .running where running:
                logger.info("instance re-adopted", metadata: ["instance": "\(instance.id)"])
            case .stopping:
                try? await driver.stop(instanceID: instance.id)
                try? await setStatus(instance.id, .stopped)
            default:
                // Was running (or starting) but its system is gone: boot it again.
                try? await setStatus(instance.id, instance.status == .pending ? .pending : .running)
                do {
                    try await boot(instance.id, from: [.running, .pending, .starting])
                    logger.info("instance restarted after control plane restart", metadata: ["instance": "\(instance.id)"])
                } catch {
                    logger.error("instance could not be restarted", metadata: ["instance": "\(instance.id)", "error": "\(error)"])
                }
            }
        }
        await settleInterruptedOperations()
    }

    /// Operations a stop of the control plane cut short end here: an instance stopped to apply a change is started
    /// again (with whichever credentials were committed), and the record says what happened.
    private func settleInterruptedOperations() async {
        let hostID = self.hostID
        guard let all = try? await store.read({ tx in try await tx.instances(inStatuses: InstanceStatus.allCases, hostID: hostID) }) else { return }
        for instance in all {
            guard var operation = instance.latestOperation, operation.state == .operating else { continue }
            var status = instance.status
            if operation.restartsInstance, status == .stopped, instance.agent == nil {
                if (try? await boot(instance.id, from: [.stopped])) != nil { status = .running }
            }
            if operation.kind == .launch, status == .running {
                operation.state = .success
            } else {
                operation.state = .failed
                operation.errorMessage = "Interrupted by a restart of the control plane" + (status == .running ? "; the instance was started again." : ".")
            }
            let settled = operation
            try? await store.write { tx in try await tx.setLatestOperation(settled, instanceID: instance.id) }
            logger.info("interrupted operation settled", metadata: ["instance": "\(instance.id)", "operation": "\(operation.kind.rawValue)"])
        }
    }

    /// What the instance's owner is told about a failed start: the kind of failure, never host paths or console
    /// output (those go to the server log).
    static func startFailure(_ error: any Error) -> String {
        switch error {
        case DriverError.timedOut(_, let limit):
            "The instance did not finish starting within \(limit.components.seconds) seconds."
        case DriverError.bootFailed:
            "The instance's sshd exited while it started."
        case DriverError.apply:
            "The bound credentials could not be applied to the instance's disk."
        default:
            "The instance could not be started."
        }
    }
}

/// How access control sees the instance and image actions (resources and condition keys as ECS's RAM table names them).
extension Operation {
    /// RunInstances (`start`) or CreateInstance; `passwordInherit` is nil when the request did not send it.
    public static func launch(start: Bool, instanceType: String, passwordInherit: Bool?, passwordCustomized: Bool) -> Operation {
        var conditions: [String: [String]] = [
            "ecs:InstanceType": [instanceType],
            "ecs:InstanceTypeFamily": [InstanceRules.family(of: instanceType)],
            "ecs:PasswordCustomized": [passwordCustomized ? "true" : "false"],
        ]
        conditions["ecs:PasswordInherit"] = flag(passwordInherit)
        var operation = Operation.write(start ? "ecs:RunInstances" : "ecs:CreateInstance", [.all], conditions: conditions)
        operation.keysKnownLater = ["ecs:Image"]
        return operation
    }

    public static func replaceSystemDisk(instanceID: String, imageID: String?, passwordInherit: Bool?, passwordCustomized: Bool) -> Operation {
        var conditions: [String: [String]] = ["ecs:PasswordCustomized": [passwordCustomized ? "true" : "false"]]
        conditions["ecs:PasswordInherit"] = flag(passwordInherit)
        var resources: [ResourceName] = [.ecs("instance/\(instanceID)"), .ecs("disk/d-\(instanceID.dropFirst(2))")]
        if let imageID { resources.append(.ecs("image/\(imageID)")) }
        var operation = Operation.write("ecs:ReplaceSystemDisk", resources, conditions: conditions)
        operation.keysKnownLater = ["ecs:Image"]
        return operation
    }

    public static func modifyInstanceAttribute(_ instanceID: String, passwordCustomized: Bool) -> Operation {
        .write("ecs:ModifyInstanceAttribute", [.ecs("instance/\(instanceID)")], conditions: ["ecs:PasswordCustomized": [passwordCustomized ? "true" : "false"]])
    }

    public static func keyPairBinding(attach: Bool, keyPairName: String, instanceIDs: [String]) -> Operation {
        .write(attach ? "ecs:AttachKeyPair" : "ecs:DetachKeyPair", instanceIDs.map { .ecs("instance/\($0)") } + [.ecs("keypair/\(keyPairName)")])
    }

    /// Start, Stop, Reboot, DeleteInstance: `ecs:<action>` on the instance.
    public static func instanceAction(_ action: String, _ instanceIDs: [String]) -> Operation {
        .write("ecs:" + action, instanceIDs.map { .ecs("instance/\($0)") })
    }

    public static let describeInstances = Operation.read("ecs:DescribeInstances", [.ecs("instance/*")], filters: true)
    /// ECS authorises DescribeInstanceStatus on `*` only; the listing is still filtered to instances the caller may describe.
    public static let describeInstanceStatus = Operation.read("ecs:DescribeInstanceStatus", [.all], filters: true)
    public static func createImage(instanceID: String) -> Operation { .write("ecs:CreateImage", [.ecs("image/*"), .ecs("instance/\(instanceID)")]) }
    public static let describeImages = Operation.read("ecs:DescribeImages", [.ecs("image/*")])
    public static func deleteImage(_ imageID: String) -> Operation { .write("ecs:DeleteImage", [.ecs("image/\(imageID)")]) }
    public static let createAgentRegistrationToken = Operation.write("keyward:CreateAgentRegistrationToken")
}
