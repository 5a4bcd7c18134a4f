import Foundation
import KeywardCore
import SSHKeys

/// How a credential change meets an instance that is running.
public enum RunningInstanceChange: Sendable {
    /// Refused (`DomainError.incorrectInstanceStatus`): only a stopped instance is changed (CVM without ForceStop).
    case refuse
    /// Stopped, changed, and started again with the new credentials (CVM's ForceStop).
    case restart
}

/// Batch credential changes that CVM makes (several key pairs per instance, passwords), each instance's change recorded
/// as its latest operation. A batch is checked whole before anything changes; once changes begin, one instance's
/// failure (a boot that fails after ForceStop) is recorded on that instance and the others still change.
extension InstanceService {
    /// Binds the key pairs beside those already bound.
    public func bindKeyPairs(
        _ call: AuthorizedCall, regionID: String, instanceIDs: [String], keyPairs selection: KeyPairService.Selection, whenRunning: RunningInstanceChange
    ) async throws {
        try call.expect("ecs:AttachKeyPair")
        let region = try regions.region(regionID)
        let keyPairs = try await findKeyPairs(selection, principal: call.principal, regionID: region.id)
        for keyPair in keyPairs { try call.require([.ecs("keypair/\(keyPair.name)")]) }
        call.note("change", "key pairs \(keyPairs.map(\.name).joined(separator: ", ")) bound")
        try await changeCredentials(call, regionID: region.id, instanceIDs: instanceIDs, kind: .bindKeyPairs, whenRunning: whenRunning) { credentials, instance in
            try InstanceRules.checkKeyPairAllowed(osType: instance.osType, instanceType: instance.instanceType)
            for keyPair in keyPairs { credentials.add(BoundKeyPair(keyPair)) }
        }
    }

    /// Unbinds the key pairs by short id, keeping any others; each must be bound to every instance named. A key pair
    /// deleted (through ECS) while bound is still known by the id the instances captured.
    public func unbindKeyPairs(
        _ call: AuthorizedCall, regionID: String, instanceIDs: [String], keyPairShortIDs: [String], whenRunning: RunningInstanceChange
    ) async throws {
        try call.expect("ecs:DetachKeyPair")
        let region = try regions.region(regionID)
        let registered = try await store.read { tx in
            var query = KeyPairQuery(accountID: call.accountID, regionID: region.id)
            query.shortIDs = keyPairShortIDs
            return try await tx.keyPairs(matching: query, page: nil).items
        }
        var carried: [BoundKeyPair] = []
        for id in instanceIDs { carried += try await owned(id, call).bound.keyPairs }
        let names = try keyPairShortIDs.map { short throws(DomainError) in
            if let keyPair = registered.first(where: { $0.shortID == short }) { return keyPair.name }
            if let bound = carried.first(where: { $0.keyPairID.map(ResourceID.shortID(of:)) == short }) { return bound.name }
            throw .keyPairIDNotFound(short)
        }
        for name in names { try call.require([.ecs("keypair/\(name)")]) }
        call.note("change", "key pairs \(names.joined(separator: ", ")) unbound")
        try await changeCredentials(call, regionID: region.id, instanceIDs: instanceIDs, kind: .unbindKeyPairs, whenRunning: whenRunning) { credentials, instance in
            guard instance.osType == .linux else { throw DomainError.windowsInstanceKeyPair }
            for name in names {
                guard credentials.keyPairNames.contains(name) else { throw DomainError.keyPairNotBound(keyPair: name, instanceID: instance.id) }
                credentials.remove(keyPairName: name)
            }
        }
    }

    /// Sets root's password under the vendor's rule for each instance's system (`policy`); a password that breaks the
    /// rule of any instance in the batch is refused before any instance is touched.
    public func resetPassword(
        _ call: AuthorizedCall, regionID: String, instanceIDs: [String], password: String, policy: @escaping @Sendable (OSType) -> PasswordPolicy,
        whenRunning: RunningInstanceChange
    ) async throws {
        try call.expect("ecs:ModifyInstanceAttribute")
        let hash = await PasswordHashing.hash(password)
        call.note("change", "password reset")
        try await changeCredentials(call, regionID: regionID, instanceIDs: instanceIDs, kind: .resetPassword, whenRunning: whenRunning) { credentials, instance in
            try policy(instance.osType).validate(password)
            credentials.setPassword(hash: hash)
        }
    }

    /// The caller's instances in the region whose ids have these short ids (CVM's `ins-…`), keyed by short id; ids that
    /// name none are absent.
    public func instanceIDs(_ call: AuthorizedCall, regionID: String, shortIDs: [String]) async throws -> [String: String] {
        var query = InstanceQuery(accountID: call.accountID, regionID: regionID)
        query.shortIDs = shortIDs
        let found = try await store.read { [query] tx in try await tx.instances(matching: query, page: nil).items }
        return Dictionary(found.map { (ResourceID.shortID(of: $0.id), $0.id) }, uniquingKeysWith: { first, _ in first })
    }

    /// Checks every instance first (exists, the caller may change it, its status allows it, the change applies), then
    /// changes each: a stopped instance at once; a running one is refused or restarted, as `whenRunning` says.
    func changeCredentials(
        _ call: AuthorizedCall, regionID: String, instanceIDs: [String], kind: InstanceOperation.Kind, whenRunning: RunningInstanceChange,
        _ change: @escaping @Sendable (inout InstanceCredentials, Instance) throws -> Void
    ) async throws {
        try Self.checkBatch(instanceIDs, limit: Self.credentialBatchLimit)
        for id in instanceIDs {
            let instance = try await owned(id, call)
            guard instance.regionID == regionID else { throw DomainError.instanceNotFound(id) }
            try Self.checkChangeable(instance, whenRunning)
            var trial = instance.bound
            try change(&trial, instance)
            call.noteResource(.ecsIn(region: instance.regionID, "instance/\(id)"))
        }
        for id in instanceIDs {
            // Checked again: the instance may have been started since (then, without ForceStop, it is not touched).
            let current = try await owned(id, call)
            try Self.checkChangeable(current, whenRunning)
            let wasRunning = current.status == .running
            try? await tracked(kind, id, call, restartsInstance: wasRunning) {
                if wasRunning { try await self.halt(id, call) }
                do {
                    try await self.exclusive(id) {
                        try await call.write { tx in
                            guard var instance = try await tx.instance(id: id, accountID: call.accountID) else { throw DomainError.instanceNotFound(id) }
                            try Self.checkChangeable(instance, .refuse)
                            try change(&instance.bound, instance)
                            try await tx.updateInstance(instance)
                        }
                    }
                } catch {
                    // Nothing was changed: a restarted instance comes back with the credentials it had.
                    if wasRunning { try? await self.boot(id, from: [.stopped]) }
                    throw error
                }
                if wasRunning { try await self.boot(id, from: [.stopped]) }
            }
        }
    }

    public static let credentialBatchLimit = 100

    /// Only stopped instances change, and running ones too when they may be restarted.
    private static func checkChangeable(_ instance: Instance, _ whenRunning: RunningInstanceChange) throws(DomainError) {
        guard instance.agent == nil else {
            throw .invalidParameter(name: "InstanceIds", reason: "the credentials of an agent host change through its agent")
        }
        switch instance.status {
        case .stopped: return
        case .running where whenRunning == .restart: return
        default: throw .incorrectInstanceStatus(instance.status.rawValue)
        }
    }

    /// Runs `work` as the instance's latest operation: recorded `operating` before (unless the launch already did) and
    /// `success` or `failed` after — unless another call's operation has become the latest meanwhile.
    func tracked<T: Sendable>(
        _ kind: InstanceOperation.Kind, _ instanceID: String, _ call: AuthorizedCall, started: Bool = false, restartsInstance: Bool = false,
        _ work: @Sendable () async throws -> T
    ) async throws -> T {
        let requestID = call.context.requestID
        if !started {
            let operation = InstanceOperation(kind: kind, state: .operating, requestID: requestID, startTime: Date(), restartsInstance: restartsInstance)
            try await store.write { tx in try await tx.setLatestOperation(operation, instanceID: instanceID) }
        }
        do {
            let result = try await work()
            try await finishOperation(instanceID, requestID: requestID, failure: nil)
            return result
        } catch {
            try? await finishOperation(instanceID, requestID: requestID, failure: error)
            throw error
        }
    }

    func finishOperation(_ instanceID: String, requestID: String, failure: (any Error)?) async throws {
        try await store.write { tx in
            guard let instance = try await tx.instance(id: instanceID, accountID: nil), var operation = instance.latestOperation,
                  operation.requestID == requestID, operation.state == .operating
            else { return }
            operation.state = failure == nil ? .success : .failed
            operation.errorMessage = failure.map { _ in instance.startFailure ?? "The operation could not be completed." }
            try await tx.setLatestOperation(operation, instanceID: instanceID)
        }
    }
}
