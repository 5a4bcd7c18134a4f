import Foundation
import KeywardCore
import Policy
import Store

/// RAM policies: the system catalog, custom policies and their versions, and attachments.
extension RAMService {
    /// A policy with the document of its default version.
    public struct PolicyWithDocument: Sendable {
        public let policy: ManagedPolicy
        public let defaultVersion: PolicyVersion
    }

    public func createPolicy(_ call: AuthorizedCall, name: String, document: String, description: String?) async throws -> ManagedPolicy {
        try AccessNameRule.policyName.check(name)
        try AccessNameRule.description.checkOptional(description)
        try Self.validateDocument(document)
        let now = Date()
        guard systemPolicies.entry(named: name) == nil else { throw AccessError.alreadyExists(.policy, name) }
        let policy = ManagedPolicy(name: name, origin: .custom, description: description ?? "", defaultVersion: "v1", attachmentCount: 0, createdAt: now, updatedAt: now)
        let accountID = call.accountID
        try await call.write { tx in
            guard try await tx.customPolicies(accountID: accountID).count < RAMLimits.customPoliciesPerAccount else {
                throw AccessError.limitExceeded(.policy, limit: RAMLimits.customPoliciesPerAccount)
            }
            try await tx.insertPolicy(policy, firstVersion: PolicyVersion(id: "v1", document: document, createdAt: now, isDefault: true), accountID: accountID)
        }
        return policy
    }

    public func getPolicy(_ call: AuthorizedCall, name: String, origin: PolicyOrigin) async throws -> PolicyWithDocument {
        try await store.read { tx in try await resolvePolicy(name, origin: origin, accountID: call.accountID, tx) }
    }

    /// System and custom policies (or one kind), by name, Marker-paged.
    public func listPolicies(_ call: AuthorizedCall, origin: PolicyOrigin?, marker: String?, maxItems: Int) async throws -> Listing<ManagedPolicy> {
        let accountID = call.accountID
        let all = try await store.read { tx in
            var policies: [ManagedPolicy] = []
            if origin != .custom {
                for entry in systemPolicies.entries {
                    policies.append(try await systemPolicy(entry, accountID: accountID, tx))
                }
            }
            if origin != .system { policies += try await tx.customPolicies(accountID: accountID) }
            return policies
        }
        // Marker is `Type:Name` of the last item returned.
        let key: (ManagedPolicy) -> String = { "\($0.origin.rawValue):\($0.name)" }
        let ordered = all.sorted { key($0) < key($1) }.filter { marker == nil || key($0) > marker! }
        guard ordered.count > maxItems else { return Listing(items: ordered, marker: nil) }
        let page = Array(ordered.prefix(maxItems))
        return Listing(items: page, marker: page.last.map(key))
    }

    public func deletePolicy(_ call: AuthorizedCall, name: String, cascading: Bool) async throws {
        let accountID = call.accountID
        try await call.write { tx in
            guard let policy = try await tx.customPolicy(named: name, accountID: accountID) else {
                if systemPolicies.entry(named: name) != nil { throw AccessError.systemPolicyImmutable }
                throw AccessError.notFound(.policy, name)
            }
            let attachments = try await tx.attachments(ofPolicy: name, origin: .custom, accountID: accountID)
            if let first = attachments.first {
                switch first.target {
                case .user: throw AccessError.deleteConflict(.policyUser)
                case .group: throw AccessError.deleteConflict(.policyGroup)
                case .role: throw AccessError.deleteConflict(.policyRole)
                }
            }
            let versions = try await tx.policyVersions(policyName: name, accountID: accountID)
            if !cascading, versions.contains(where: { $0.id != policy.defaultVersion }) { throw AccessError.deleteConflict(.policyVersion) }
            try await tx.deletePolicy(named: name, accountID: accountID)
        }
    }

    public enum RotateStrategy: String, Sendable {
        case none = "None"
        case deleteOldestNonDefault = "DeleteOldestNonDefaultVersionWhenLimitExceeded"
    }

    public func createPolicyVersion(
        _ call: AuthorizedCall, name: String, document: String, setAsDefault: Bool, rotate: RotateStrategy
    ) async throws -> PolicyVersion {
        try call.expect("ram:CreatePolicyVersion")
        try Self.validateDocument(document)
        let accountID = call.accountID
        call.note("change", setAsDefault ? "new default version of policy \(name)" : "new version of policy \(name)")
        return try await call.write { tx in
            guard var policy = try await tx.customPolicy(named: name, accountID: accountID) else {
                if systemPolicies.entry(named: name) != nil { throw AccessError.systemPolicyImmutable }
                throw AccessError.notFound(.policy, name)
            }
            let versions = try await tx.policyVersions(policyName: name, accountID: accountID)
            if versions.count >= ManagedPolicy.versionLimit {
                guard rotate == .deleteOldestNonDefault, let oldest = versions.first(where: { !$0.isDefault }) else {
                    throw AccessError.limitExceeded(.policyVersion, limit: ManagedPolicy.versionLimit)
                }
                try await tx.deletePolicyVersion(policyName: name, versionID: oldest.id, accountID: accountID)
            }
            let now = Date()
            let id = try await tx.insertPolicyVersion(policyName: name, document: document, at: now, accountID: accountID)
            if setAsDefault { policy.defaultVersion = id }
            policy.updatedAt = now
            try await tx.updatePolicy(policy, accountID: accountID)
            return PolicyVersion(id: id, document: document, createdAt: now, isDefault: setAsDefault)
        }
    }

    public func policyVersions(_ call: AuthorizedCall, name: String, origin: PolicyOrigin) async throws -> [PolicyVersion] {
        let accountID = call.accountID
        return try await store.read { tx in
            switch origin {
            case .system:
                return [try await resolvePolicy(name, origin: .system, accountID: accountID, tx).defaultVersion]
            case .custom:
                guard try await tx.customPolicy(named: name, accountID: accountID) != nil else { throw AccessError.notFound(.policy, name) }
                return try await tx.policyVersions(policyName: name, accountID: accountID)
            }
        }
    }

    public func policyVersion(_ call: AuthorizedCall, name: String, origin: PolicyOrigin, versionID: String) async throws -> PolicyVersion {
        try Self.validateVersionID(versionID)
        guard let version = try await policyVersions(call, name: name, origin: origin).first(where: { $0.id == versionID }) else {
            throw AccessError.notFound(.policyVersion, versionID)
        }
        return version
    }

    public func deletePolicyVersion(_ call: AuthorizedCall, name: String, versionID: String) async throws {
        try Self.validateVersionID(versionID)
        let accountID = call.accountID
        try await call.write { tx in
            guard let policy = try await tx.customPolicy(named: name, accountID: accountID) else { throw AccessError.notFound(.policy, name) }
            guard try await tx.policyVersions(policyName: name, accountID: accountID).contains(where: { $0.id == versionID }) else {
                throw AccessError.notFound(.policyVersion, versionID)
            }
            guard policy.defaultVersion != versionID else { throw AccessError.deleteConflict(.defaultPolicyVersion) }
            try await tx.deletePolicyVersion(policyName: name, versionID: versionID, accountID: accountID)
        }
    }

    public func setDefaultPolicyVersion(_ call: AuthorizedCall, name: String, versionID: String) async throws {
        try call.expect("ram:SetDefaultPolicyVersion")
        try Self.validateVersionID(versionID)
        let accountID = call.accountID
        call.note("change", "policy \(name) default version set to \(versionID)")
        try await call.write { tx in
            guard var policy = try await tx.customPolicy(named: name, accountID: accountID) else { throw AccessError.notFound(.policy, name) }
            guard try await tx.policyVersions(policyName: name, accountID: accountID).contains(where: { $0.id == versionID }) else {
                throw AccessError.notFound(.policyVersion, versionID)
            }
            policy.defaultVersion = versionID
            policy.updatedAt = Date()
            try await tx.updatePolicy(policy, accountID: accountID)
        }
    }

    // MARK: Attachments

    public func attachPolicy(_ call: AuthorizedCall, name: String, origin: PolicyOrigin, to target: PolicyTarget) async throws {
        try call.expect("ram:AttachPolicyTo\(target.kind)")
        let accountID = call.accountID
        call.note("change", "policy \(origin.rawValue):\(name) attached to \(target.kind.lowercased()) \(target.name)")
        try await call.write { tx in
            try await Self.requireTarget(target, accountID: accountID, tx)
            _ = try await resolvePolicy(name, origin: origin, accountID: accountID, tx)
            let attached = try await tx.attachments(of: target, accountID: accountID)
            let sameKind = attached.filter { $0.origin == origin }.count
            let limit: Int = switch (origin, target) {
            case (.system, _): RAMLimits.systemPoliciesPerTarget
            case (.custom, .user): RAMLimits.customPoliciesPerUser
            case (.custom, _): RAMLimits.customPoliciesPerGroupOrRole
            }
            if attached.contains(where: { $0.policyName == name && $0.origin == origin }) {
                throw AccessError.alreadyExists(target.attachmentEntity, name)
            }
            guard sameKind < limit else { throw AccessError.limitExceeded(target.attachmentEntity, limit: limit) }
            try await tx.attach(PolicyAttachment(policyName: name, origin: origin, target: target, attachedAt: Date()), accountID: accountID)
        }
    }

    public func detachPolicy(_ call: AuthorizedCall, name: String, origin: PolicyOrigin, from target: PolicyTarget) async throws {
        try call.expect("ram:DetachPolicyFrom\(target.kind)")
        let accountID = call.accountID
        call.note("change", "policy \(origin.rawValue):\(name) detached from \(target.kind.lowercased()) \(target.name)")
        try await call.write { tx in
            try await Self.requireTarget(target, accountID: accountID, tx)
            _ = try await resolvePolicy(name, origin: origin, accountID: accountID, tx)
            guard try await tx.detach(policyName: name, origin: origin, from: target, accountID: accountID) else {
                throw AccessError.notFound(target.attachmentEntity, name)
            }
        }
    }

    /// The policies attached to a user, group or role, with when.
    public func policies(_ call: AuthorizedCall, attachedTo target: PolicyTarget) async throws -> [(policy: ManagedPolicy, attachedAt: Date)] {
        let accountID = call.accountID
        return try await store.read { tx in
            try await Self.requireTarget(target, accountID: accountID, tx)
            var result: [(ManagedPolicy, Date)] = []
            for attachment in try await tx.attachments(of: target, accountID: accountID) {
                if let found = try? await resolvePolicy(attachment.policyName, origin: attachment.origin, accountID: accountID, tx) {
                    result.append((found.policy, attachment.attachedAt))
                }
            }
            return result
        }
    }

    /// The users, groups and roles a policy is attached to.
    public func entities(_ call: AuthorizedCall, forPolicy name: String, origin: PolicyOrigin) async throws
        -> (users: [(RAMUser, Date)], groups: [(RAMGroup, Date)], roles: [(RAMRole, Date)])
    {
        let accountID = call.accountID
        return try await store.read { tx in
            _ = try await resolvePolicy(name, origin: origin, accountID: accountID, tx)
            var users: [(RAMUser, Date)] = []
            var groups: [(RAMGroup, Date)] = []
            var roles: [(RAMRole, Date)] = []
            for attachment in try await tx.attachments(ofPolicy: name, origin: origin, accountID: accountID) {
                switch attachment.target {
                case .user(let n): if let user = try await tx.user(named: n, accountID: accountID) { users.append((user, attachment.attachedAt)) }
                case .group(let n): if let group = try await tx.group(named: n, accountID: accountID) { groups.append((group, attachment.attachedAt)) }
                case .role(let n): if let role = try await tx.role(named: n, accountID: accountID) { roles.append((role, attachment.attachedAt)) }
                }
            }
            return (users, groups, roles)
        }
    }

    // MARK: Helpers

    func resolvePolicy(_ name: String, origin: PolicyOrigin, accountID: String, _ tx: any StoreTransaction) async throws -> PolicyWithDocument {
        switch origin {
        case .system:
            guard let entry = systemPolicies.entry(named: name) else { throw AccessError.notFound(.policy, name) }
            let policy = try await systemPolicy(entry, accountID: accountID, tx)
            return PolicyWithDocument(policy: policy, defaultVersion: PolicyVersion(id: "v1", document: entry.document, createdAt: Self.systemEpoch, isDefault: true))
        case .custom:
            guard let policy = try await tx.customPolicy(named: name, accountID: accountID),
                  let version = try await tx.policyVersions(policyName: name, accountID: accountID).first(where: { $0.id == policy.defaultVersion })
            else { throw AccessError.notFound(.policy, name) }
            return PolicyWithDocument(policy: policy, defaultVersion: version)
        }
    }

    private func systemPolicy(_ entry: SystemPolicies.Entry, accountID: String, _ tx: any StoreTransaction) async throws -> ManagedPolicy {
        let count = try await tx.attachments(ofPolicy: entry.name, origin: .system, accountID: accountID).count
        return ManagedPolicy(
            name: entry.name, origin: .system, description: entry.description, defaultVersion: "v1", attachmentCount: count,
            createdAt: Self.systemEpoch, updatedAt: Self.systemEpoch
        )
    }

    /// When the system policies are said to have been made.
    static let systemEpoch = Date(timeIntervalSince1970: 1_451_606_400)

    static func requireTarget(_ target: PolicyTarget, accountID: String, _ tx: any StoreTransaction) async throws {
        switch target {
        case .user(let name): _ = try await existingUser(name, accountID: accountID, tx)
        case .group(let name): _ = try await existingGroup(name, accountID: accountID, tx)
        case .role(let name): _ = try await existingRole(name, accountID: accountID, tx)
        }
    }

    /// A custom policy's document: within RAM's length, and valid in the policy language.
    /// Accepts an identity policy document as CreatePolicy does (the console's editor checks with it as the user types).
    public static func validateDocument(_ text: String) throws(AccessError) {
        guard !text.isEmpty, text.count <= ManagedPolicy.documentLimit else { throw .policyDocumentTooLong(limit: ManagedPolicy.documentLimit) }
        do {
            _ = try PolicyDocument.parse(text, kind: .identity)
        } catch {
            throw .malformedPolicyDocument(error.message)
        }
    }

    static func validateVersionID(_ id: String) throws(AccessError) {
        guard id.count >= 2, id.first == "v", id.dropFirst().allSatisfy(\.isNumber) else {
            throw .invalidValue(parameter: "VersionId", reason: "format")
        }
    }
}
