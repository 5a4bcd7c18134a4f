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
/// as its latest operation. A batch is checked whole before anything changes.
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

    /// Unbinds the key pairs, keeping any others; each must be bound to every instance named.
    public func unbindKeyPairs(
        _ call: AuthorizedCall, regionID: String, instanceIDs: [String], keyPairs selection: KeyPairService.Selection, whenRunning: RunningInstanceChange
    ) async throws {
        try call.expect("ecs:DetachKeyPair")
        let region = try regions.region(regionID)
        let names = try await findKeyPairs(selection, principal: call.principal, regionID: region.id).map(\.name)
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

    /// Sets root's password under the vendor's `policy`; the weak password is refused before any instance is touched.
    public func resetPassword(
        _ call: AuthorizedCall, regionID: String, instanceIDs: [String], password: String, policy: PasswordPolicy, whenRunning: RunningInstanceChange
    ) async throws {
        try call.expect("ecs:ModifyInstanceAttribute")
        try policy.validate(password)
        let hash = PasswordHash.sha512Crypt(password)
        call.note("change", "password reset")
        try await changeCredentials(call, regionID: regionID, instanceIDs: instanceIDs, kind: .resetPassword, whenRunning: whenRunning) { credentials, _ in
            credentials.setPassword(hash: hash)
        }
    }

    /// The caller's instances in the region whose ids have these short ids (CVM's `ins-…`), keyed by short id; ids that
    /// name none are absent.
    public func instanceIDs(_ call: AuthorizedCall, regionID: String, shortIDs: [String]) async throws -> [String: String] {
        var query = InstanceQuery(accountID: call.accountID, regionID: regionID)
        query.shortIDs = shortIDs
        let found = try await store.read { [query] tx in try await tx.instances(matching: query, page: nil).items }
        return Dictionary(found.map { (KeyPair.shortID(of: $0.id), $0.id) }, uniquingKeysWith: { first, _ in first })
    }

    /// Checks every instance first (exists, the caller may change it, its status allows it, the change applies), then
    /// changes each: a stopped instance at once; a running one is refused or restarted, as `whenRunning` says.
    func changeCredentials(
        _ call: AuthorizedCall, regionID: String, instanceIDs: [String], kind: InstanceOperation.Kind, whenRunning: RunningInstanceChange,
        _ change: @escaping @Sendable (inout InstanceCredentials, Instance) throws -> Void
    ) async throws {
        guard !instanceIDs.isEmpty, instanceIDs.count <= Self.credentialBatchLimit else {
            throw DomainError.invalidInstanceIDs(reason: "1 to \(Self.credentialBatchLimit) instance ids")
        }
        guard Set(instanceIDs).count == instanceIDs.count else { throw DomainError.invalidInstanceIDs(reason: "an instance id is repeated") }
        for id in instanceIDs {
            let instance = try await owned(id, call)
            guard instance.regionID == regionID else { throw DomainError.instanceNotFound(id) }
            guard instance.agent == nil else {
                throw DomainError.invalidParameter(name: "InstanceIds", reason: "the credentials of an agent host change through its agent")
            }
            switch instance.status {
            case .stopped: break
            case .running where whenRunning == .restart: break
            default: throw DomainError.incorrectInstanceStatus(instance.status.rawValue)
            }
            var trial = instance.bound
            try change(&trial, instance)
        }
        for id in instanceIDs {
            try await tracked(kind, id, call) {
                let wasRunning = try await self.owned(id, call).status == .running
                if wasRunning { try await self.halt(id, call) }
                do {
                    try await self.locks.with(id) {
                        try await call.write { tx in
                            guard var instance = try await tx.instance(id: id, accountID: call.accountID) else { throw DomainError.instanceNotFound(id) }
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

    /// Runs `work` as the instance's latest operation: recorded `operating` before (unless the launch already did) and
    /// `success` or `failed` after.
    func tracked<T: Sendable>(
        _ kind: InstanceOperation.Kind, _ instanceID: String, _ call: AuthorizedCall, started: Bool = false, _ work: @Sendable () async throws -> T
    ) async throws -> T {
        if !started {
            let operation = InstanceOperation(kind: kind, state: .operating, requestID: call.context.requestID, startTime: Date())
            try await updateLatestOperation(instanceID) { $0 = operation }
        }
        do {
            let result = try await work()
            try await updateLatestOperation(instanceID) { $0?.state = .success }
            return result
        } catch {
            try? await updateLatestOperation(instanceID) { operation in
                operation?.state = .failed
                operation?.errorMessage = Self.operationFailure(error)
            }
            throw error
        }
    }

    private func updateLatestOperation(_ instanceID: String, _ update: @Sendable (inout InstanceOperation?) -> Void) async throws {
        try await store.write { tx in
            guard var instance = try await tx.instance(id: instanceID, accountID: nil) else { return }
            update(&instance.latestOperation)
            try await tx.updateInstance(instance)
        }
    }

    /// Words an owner may read about a failed operation.
    static func operationFailure(_ error: any Error) -> String {
        switch error {
        case DomainError.internalFailure(let message): message
        case let error as DomainError: "\(error)"
        default: startFailure(error)
        }
    }
}
