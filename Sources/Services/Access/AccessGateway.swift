import Foundation
import KeywardCore
import Logging
import Policy
import Store
import Synchronization

/// The one door every call passes: it claims a signed request's nonce, authorises the operation against the caller's
/// policies, lets the use case run with an `AuthorizedCall` (the only way to reach one), and records the audit event —
/// in the use case's own transaction when it changes something, on its own otherwise, denials and failures included.
public struct AccessGateway: Sendable {
    let store: any Store
    let systemPolicies: SystemPolicies
    let nonces: NonceRegistry
    private let logger: Logger

    public init(store: any Store, logger: Logger) {
        self.store = store
        self.systemPolicies = SystemPolicies()
        self.nonces = NonceRegistry(store: store)
        self.logger = logger
    }

    /// Authorises `operation` for the caller in `context` and runs `body` with the authorisation.
    ///
    /// The request's nonce (`CallContext.nonce`) is claimed once: for a change, durably before anything runs, so that a
    /// replay changes nothing; for a read, in the one commit that records its audit event after it ran (a replay's answer
    /// is dropped). A replay is refused with `RequestReplayed` and leaves no audit event.
    public func perform<T: Sendable>(
        _ operation: Operation,
        _ context: CallContext,
        _ body: @Sendable (AuthorizedCall) async throws -> T
    ) async throws -> T {
        let recorder = AuditRecorder(operation: operation, context: context)
        let nonces = self.nonces
        do {
            if operation.isWrite, let nonce = recorder.takeNonce() { try await nonces.claim(nonce) }
            let principal = context.principal
            let policies = principal.isRoot && principal.sessionPolicy == nil
                ? PolicySet(isRoot: true)
                : try await store.read { [systemPolicies] tx in try await PolicyLoader(systemPolicies: systemPolicies).policies(for: principal, in: tx) }
            let call = AuthorizedCall(operation: operation, context: context, policies: policies, store: store, nonces: nonces, recorder: recorder)
            if !operation.needsPermission {
                // Nothing to decide.
            } else if operation.filtersResources || !operation.keysKnownLater.isEmpty {
                try call.requireSomeResource()
            } else {
                try call.require(operation.resources, conditions: [:])
            }
            let result = try await body(call)
            if !recorder.isRecorded {
                let (event, nonce) = (recorder.event(error: nil), recorder.takeNonce())
                try await store.writeGrouped { tx in
                    if let nonce { try await nonces.claim(nonce, in: tx) }
                    try await tx.insertAuditEvent(event)
                }
            }
            return result
        } catch let replay as RequestReplayed {
            throw replay
        } catch StoreError.unavailable(let reason) {
            // The database is out of reach: the event could not be stored either, and trying would only hold the answer.
            logger.error("audit event not recorded: the database is unavailable", metadata: ["action": "\(operation.action)", "reason": "\(reason)"])
            throw StoreError.unavailable(reason)
        } catch {
            let (event, nonce) = (recorder.event(error: context.describeError(error)), recorder.takeNonce())
            do {
                try await store.writeGrouped { tx in
                    if let nonce { try await nonces.claim(nonce, in: tx) }
                    try await tx.insertAuditEvent(event)
                }
            } catch let replay as RequestReplayed {
                throw replay
            } catch let auditError {
                logger.error("audit event not recorded", metadata: ["action": "\(operation.action)", "error": "\(auditError)"])
            }
            throw error
        }
    }
}

/// Proof that the gateway let a call in, with what the use case needs to finish the authorisation on rows it loads.
/// Only the gateway makes one.
public struct AuthorizedCall: Sendable {
    public let operation: Operation
    public let context: CallContext
    let policies: PolicySet
    let store: any Store
    let nonces: NonceRegistry
    let recorder: AuditRecorder
    /// The common `acs:` condition keys of this request: source address, transport, time, MFA. Made when a policy is
    /// evaluated, not for every call: an unrestricted caller never needs them.
    public var commonConditionKeys: [String: [String]] {
        [
            "acs:SourceIp": [context.sourceIP],
            "acs:SecureTransport": [context.secureTransport ? "true" : "false"],
            "acs:CurrentTime": [context.time.formatted(.iso8601)],
            "acs:MFAPresent": ["false"],
        ]
    }

    init(operation: Operation, context: CallContext, policies: PolicySet, store: any Store, nonces: NonceRegistry, recorder: AuditRecorder) {
        self.operation = operation
        self.context = context
        self.policies = policies
        self.store = store
        self.nonces = nonces
        self.recorder = recorder
    }

    /// Whether nothing limits the caller (a root identity outside any control policy): use cases may skip per-row checks.
    public var isUnrestricted: Bool { policies.isRoot && policies.controlLevels.isEmpty && policies.sessionPolicy == nil }

    public var principal: Principal { context.principal }
    public var accountID: String { context.principal.accountID }
    public var regionID: String { context.regionID }

    /// Fails unless the door let this call in for one of `actions`: a use case cannot be reached with another action's pass.
    public func expect(_ actions: String...) throws(DomainError) {
        guard actions.contains(operation.action) else {
            throw .internalFailure("\(operation.action) was authorised, but the use case needs one of \(actions.joined(separator: ", "))")
        }
    }

    /// Whether the caller may do this call's action on `resources`, given extra condition keys known from loaded rows.
    public func isAllowed(_ resources: [ResourceName], conditions: [String: [String]] = [:]) -> Bool {
        decision(resources, conditions: conditions) == .allow
    }

    /// Condition keys that name a resource's own attributes, known only once the use case loads it.
    static let resourceKeyPrefixes = ["acs:ResourceTag/", "ecs:tag/"]

    /// Refuses the call unless the caller may do its action on `resources`.
    public func require(_ resources: [ResourceName], conditions: [String: [String]] = [:]) throws(AccessDenied) {
        switch decision(resources, conditions: conditions) {
        case .allow: return
        case .explicitDeny(let type): throw AccessDenied(action: operation.action, principal: principal, kind: .explicitDeny, policyType: type.rawValue)
        case .implicitDeny(let type): throw AccessDenied(action: operation.action, principal: principal, kind: .implicitDeny, policyType: type.rawValue)
        }
    }

    /// Refuses the call unless the caller may also do `action` (a call that makes another action happen later, as a
    /// scaling configuration makes RunInstances happen), reported as a denial of that action.
    public func require(alsoAction action: String, _ resources: [ResourceName], conditions: [String: [String]] = [:]) throws(AccessDenied) {
        switch decision(resources, conditions: conditions, action: action) {
        case .allow: return
        case .explicitDeny(let type): throw AccessDenied(action: action, principal: principal, kind: .explicitDeny, policyType: type.rawValue)
        case .implicitDeny(let type): throw AccessDenied(action: action, principal: principal, kind: .implicitDeny, policyType: type.rawValue)
        }
    }

    /// Refuses a call whose resources (or some condition keys) the use case authorises later, when no policy could allow
    /// its action on any resource.
    func requireSomeResource() throws(AccessDenied) {
        if isUnrestricted { return }
        let context = RequestContext(action: operation.action, conditionKeys: conditionKeys([:]))
        if policies.mayAllowSomeResource(context, resourceKeyPrefixes: Self.resourceKeyPrefixes + operation.keysKnownLater) { return }
        try require(operation.resources)
    }

    /// Runs `body` in a write transaction that also records this call's audit event (in the first such transaction of the
    /// call that commits), so the change and its record commit together or not at all; the request's nonce too, when it
    /// is not claimed yet.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        let (recorder, nonces) = (self.recorder, self.nonces)
        let nonce = recorder.takeNonce()
        do {
            let result = try await store.write { tx in
                if let nonce { try await nonces.claim(nonce, in: tx) }
                let result = try await body(tx)
                if let event = recorder.claim() { try await tx.insertAuditEvent(event) }
                return result
            }
            recorder.confirm()
            return result
        } catch {
            recorder.unclaim()
            if nonce != nil { recorder.restoreNonce() }
            throw error
        }
    }

    /// Adds what a credential change changed to the audit record (ids and words, never a secret).
    public func note(_ key: String, _ value: String) {
        recorder.note(key, value)
    }

    /// Names a resource the call created or touched in the audit record.
    public func noteResource(_ resource: ResourceName) {
        recorder.noteResource(resource)
    }

    private func decision(_ resources: [ResourceName], conditions: [String: [String]], action: String? = nil) -> Decision {
        // No layer to ask: the evaluation would allow, after building every ARN and condition key for nothing.
        if isUnrestricted { return .allow }
        let arns = resources.map { $0.arn(accountID: accountID, regionID: regionID) }
        return policies.evaluate(RequestContext(action: action ?? operation.action, resources: arns, conditionKeys: conditionKeys(conditions)))
    }

    /// The request's condition keys: the common `acs:` ones, the operation's, and those known from loaded rows.
    private func conditionKeys(_ extra: [String: [String]]) -> [String: [String]] {
        var keys = commonConditionKeys
        for (key, value) in operation.conditions { keys[key] = value }
        for (key, value) in extra { keys[key] = value }
        return keys
    }

}

/// Collects one call's audit record while it runs.
final class AuditRecorder: Sendable {
    private struct State {
        var recorded = false
        /// Claimed by a write transaction that has not finished yet.
        var claimed = false
        var details: [String: String] = [:]
        var resources: [AuditEvent.Resource] = []
    }

    private let operation: Operation
    private let context: CallContext
    private let state: Mutex<State>
    private let eventID = RandomUUID.string().lowercased()

    init(operation: Operation, context: CallContext) {
        self.operation = operation
        self.context = context
        self.state = Mutex(State(resources: operation.resources.compactMap(\.auditResource)))
    }

    /// The request's nonce, for the transaction that claims it; nil once one took it.
    func takeNonce() -> SignatureNonce? { context.nonce?.take() }

    /// Gives the nonce back after the transaction that took it failed.
    func restoreNonce() { context.nonce?.giveBack() }

    var isRecorded: Bool { state.withLock { $0.recorded } }

    /// The success event for the first write transaction that asks; nil once one has it. `confirm` makes it recorded when
    /// that transaction commits; `unclaim` gives it back when it fails.
    func claim() -> AuditEvent? {
        let first = state.withLock { state -> Bool in
            guard !state.recorded, !state.claimed else { return false }
            state.claimed = true
            return true
        }
        return first ? event(error: nil, id: eventID) : nil
    }

    func confirm() { state.withLock { if $0.claimed { $0.recorded = true } } }
    func unclaim() { state.withLock { if !$0.recorded { $0.claimed = false } } }
    func note(_ key: String, _ value: String) { state.withLock { $0.details[key] = value } }

    func noteResource(_ resource: ResourceName) {
        guard let named = resource.auditResource else { return }
        state.withLock { if !$0.resources.contains(named) { $0.resources.append(named) } }
    }

    /// The call's event; a failure after the change was recorded is a second event.
    func event(error: (code: String, message: String)?) -> AuditEvent {
        event(error: error, id: isRecorded ? RandomUUID.string().lowercased() : eventID)
    }

    private func event(error: (code: String, message: String)?, id: String) -> AuditEvent {
        let principal = context.principal
        let (type, name, principalID): (String, String, String) = switch principal.identity {
        case .root: ("root", "root", principal.accountID)
        case .user(let user, let userID): ("user", user, userID)
        case .roleSession(let role, let roleID, let session): ("role-session", "\(role):\(session)", "\(roleID):\(session)")
        }
        let snapshot = state.withLock { $0 }
        return AuditEvent(
            id: id, time: context.time, accountID: principal.accountID, principalType: type, principalName: name, principalID: principalID,
            accessKeyID: principal.accessKeyID, sourceIP: context.sourceIP, action: operation.action, regionID: context.regionID,
            apiVersion: context.apiVersion, requestID: context.requestID, resources: snapshot.resources, errorCode: error?.code,
            errorMessage: error?.message, details: snapshot.details, isWrite: operation.isWrite
        )
    }
}
