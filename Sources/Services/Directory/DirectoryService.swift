import Foundation
import KeywardCore
import Policy
import Store

/// Resource Directory: the management account's folders and member accounts, and the control policies that bound
/// the RAM identities of members.
public struct DirectoryService: Sendable {
    private let store: any Store
    private let systemPolicies = SystemPolicies()

    public init(store: any Store) {
        self.store = store
    }

    public static func operation(_ action: String, write: Bool) -> Operation {
        write ? .write("resourcemanager:" + action) : .read("resourcemanager:" + action)
    }

    // MARK: Directory

    public func enable(_ call: AuthorizedCall) async throws -> ResourceDirectory {
        let now = Date()
        let directory = ResourceDirectory(
            id: ResourceID.make(prefix: "rd"), managementAccountID: call.accountID, rootFolderID: ResourceID.make(prefix: "r"),
            controlPoliciesEnabled: false, createdAt: now
        )
        let root = DirectoryFolder(id: directory.rootFolderID, name: "Root", parentID: nil, createdAt: now)
        let management = MemberAccount(id: call.accountID, displayName: call.accountID, folderID: root.id, joinMethod: "created", type: "CloudAccount", joinedAt: now)
        try await call.write { tx in
            guard try await tx.directory(ofAccount: call.accountID) == nil else { throw AccessError.alreadyExists(.resourceDirectory, call.accountID) }
            try await tx.insertDirectory(directory, rootFolder: root, management: management)
        }
        return directory
    }

    public func get(_ call: AuthorizedCall) async throws -> ResourceDirectory {
        try await store.read { tx in try await Self.managed(by: call, tx) }
    }

    /// The directory the caller's account manages; members and outsiders get "not found".
    static func managed(by call: AuthorizedCall, _ tx: any StoreTransaction) async throws -> ResourceDirectory {
        guard let directory = try await tx.directory(ofAccount: call.accountID), directory.managementAccountID == call.accountID else {
            throw AccessError.notFound(.resourceDirectory, call.accountID)
        }
        return directory
    }

    // MARK: Folders

    public func createFolder(_ call: AuthorizedCall, name: String, parentID: String?) async throws -> DirectoryFolder {
        try AccessNameRule.folderName.check(name)
        return try await call.write { tx in
            let directory = try await Self.managed(by: call, tx)
            let parent = parentID ?? directory.rootFolderID
            guard try await tx.folder(id: parent, directoryID: directory.id) != nil else { throw AccessError.notFound(.folder, parent) }
            let folder = DirectoryFolder(id: ResourceID.make(prefix: "fd"), name: name, parentID: parent, createdAt: Date())
            try await tx.insertFolder(folder, directoryID: directory.id)
            if directory.controlPoliciesEnabled {
                try await tx.attachControlPolicy(id: ResourceDirectory.fullAccessPolicyID, to: folder.id, at: folder.createdAt, directoryID: directory.id)
            }
            return folder
        }
    }

    public func folders(_ call: AuthorizedCall, parentID: String?) async throws -> [DirectoryFolder] {
        try await store.read { tx in
            let directory = try await Self.managed(by: call, tx)
            let parent = parentID ?? directory.rootFolderID
            guard try await tx.folder(id: parent, directoryID: directory.id) != nil else { throw AccessError.notFound(.folder, parent) }
            return try await tx.folders(parentID: parent, directoryID: directory.id)
        }
    }

    public func folder(_ call: AuthorizedCall, id: String) async throws -> DirectoryFolder {
        try await store.read { tx in
            let directory = try await Self.managed(by: call, tx)
            guard let folder = try await tx.folder(id: id, directoryID: directory.id) else { throw AccessError.notFound(.folder, id) }
            return folder
        }
    }

    // MARK: Member accounts

    /// A new member account in a folder, with `ResourceDirectoryAccountAccessRole` trusted by the management account.
    public func createAccount(_ call: AuthorizedCall, displayName: String, folderID: String?) async throws -> MemberAccount {
        try AccessNameRule.accountDisplayName.check(displayName)
        let accountID = RandomText.digits(count: 16)
        call.note("change", "member account \(accountID) created")
        return try await call.write { tx in
            let directory = try await Self.managed(by: call, tx)
            let folderID = folderID ?? directory.rootFolderID
            guard try await tx.folder(id: folderID, directoryID: directory.id) != nil else { throw AccessError.notFound(.folder, folderID) }
            let now = Date()
            try await tx.insertAccount(id: accountID, name: accountID, createdAt: now)
            let member = MemberAccount(id: accountID, displayName: displayName, folderID: folderID, joinMethod: "created", type: "ResourceAccount", joinedAt: now)
            try await tx.insertMember(member, directoryID: directory.id)
            let trust = #"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::\#(directory.managementAccountID):root"]}}],"Version":"1"}"#
            let role = RAMRole(
                id: RandomText.digits(count: 19), accountID: accountID, name: ResourceDirectory.memberAccessRoleName,
                description: "The management account reaches this member through this role.", trustPolicy: trust,
                maxSessionDuration: RAMRole.defaultMaxSessionDuration, createdAt: now, updatedAt: now
            )
            try await tx.insertRole(role)
            try await tx.attach(PolicyAttachment(policyName: "AdministratorAccess", origin: .system, target: .role(role.name), attachedAt: now), accountID: accountID)
            if directory.controlPoliciesEnabled {
                try await tx.attachControlPolicy(id: ResourceDirectory.fullAccessPolicyID, to: accountID, at: now, directoryID: directory.id)
            }
            return member
        }
    }

    public func accounts(_ call: AuthorizedCall) async throws -> [MemberAccount] {
        try await store.read { tx in try await tx.members(directoryID: try await Self.managed(by: call, tx).id) }
    }

    public func account(_ call: AuthorizedCall, id: String) async throws -> MemberAccount {
        try await store.read { tx in
            let directory = try await Self.managed(by: call, tx)
            guard let member = try await tx.member(accountID: id), try await tx.directory(ofAccount: id)?.id == directory.id else {
                throw AccessError.notFound(.account, id)
            }
            return member
        }
    }

    /// The folder path from the root to a node, as `r-…/fd-…/<account>`.
    public func path(_ call: AuthorizedCall, of member: MemberAccount) async throws -> String {
        try await store.read { tx in
            let directory = try await Self.managed(by: call, tx)
            var parts = [member.id]
            var next: String? = member.folderID
            while let id = next, parts.count < 32 {
                parts.insert(id, at: 0)
                next = try await tx.folder(id: id, directoryID: directory.id)?.parentID
            }
            return parts.joined(separator: "/")
        }
    }

    // MARK: Control policies

    public func setControlPolicies(_ call: AuthorizedCall, enabled: Bool) async throws {
        call.note("change", enabled ? "control policies enabled" : "control policies disabled")
        try await call.write { tx in
            let directory = try await Self.managed(by: call, tx)
            guard directory.controlPoliciesEnabled != enabled else { return }
            try await tx.setControlPolicies(enabled: enabled, directoryID: directory.id)
            let now = Date()
            for target in try await Self.nodes(directory, tx) {
                if enabled {
                    try await tx.attachControlPolicy(id: ResourceDirectory.fullAccessPolicyID, to: target, at: now, directoryID: directory.id)
                } else {
                    for (policyID, _) in try await tx.controlPolicyAttachments(targetID: target, directoryID: directory.id) {
                        _ = try await tx.detachControlPolicy(id: policyID, from: target, directoryID: directory.id)
                    }
                }
            }
        }
    }

    public func controlPoliciesEnabled(_ call: AuthorizedCall) async throws -> Bool {
        try await get(call).controlPoliciesEnabled
    }

    /// Every folder and member account of the directory (the management account included).
    private static func nodes(_ directory: ResourceDirectory, _ tx: any StoreTransaction) async throws -> [String] {
        var result: [String] = []
        var pending = [directory.rootFolderID]
        while let folder = pending.popLast(), result.count < 10_000 {
            result.append(folder)
            pending += try await tx.folders(parentID: folder, directoryID: directory.id).map(\.id)
        }
        return result + (try await tx.members(directoryID: directory.id).map(\.id))
    }

    public func createControlPolicy(
        _ call: AuthorizedCall, name: String, document: String, description: String?, effectScope: String
    ) async throws -> ControlPolicy {
        try AccessNameRule.controlPolicyName.check(name)
        try AccessNameRule.description.checkOptional(description)
        guard effectScope == "RAM" else { throw AccessError.invalidValue(parameter: "EffectScope", reason: "only RAM is supported") }
        try Self.validateDocument(document)
        let now = Date()
        let policy = ControlPolicy(
            id: ResourceID.make(prefix: "cp"), name: name, origin: .custom, description: description ?? "", document: document, effectScope: effectScope,
            attachmentCount: 0, createdAt: now, updatedAt: now
        )
        try await call.write { tx in
            let directory = try await Self.managed(by: call, tx)
            guard name != ResourceDirectory.fullAccessPolicyName else { throw AccessError.alreadyExists(.controlPolicy, name) }
            try await tx.insertControlPolicy(policy, directoryID: directory.id)
        }
        return policy
    }

    public func controlPolicy(_ call: AuthorizedCall, id: String) async throws -> ControlPolicy {
        try await store.read { tx in
            let directory = try await Self.managed(by: call, tx)
            return try await Self.existingPolicy(id, directory: directory, tx)
        }
    }

    public func controlPolicies(_ call: AuthorizedCall, origin: PolicyOrigin?) async throws -> [ControlPolicy] {
        try await store.read { tx in
            let directory = try await Self.managed(by: call, tx)
            var all: [ControlPolicy] = []
            if origin != .custom { all.append(try await Self.fullAccessPolicy(directory, tx)) }
            if origin != .system { all += try await tx.controlPolicies(directoryID: directory.id) }
            return all
        }
    }

    public func updateControlPolicy(
        _ call: AuthorizedCall, id: String, newName: String?, newDocument: String?, newDescription: String?
    ) async throws -> ControlPolicy {
        if let newName { try AccessNameRule.controlPolicyName.check(newName) }
        if let newDocument { try Self.validateDocument(newDocument) }
        try AccessNameRule.description.checkOptional(newDescription)
        call.note("change", "control policy \(id) updated")
        return try await call.write { tx in
            let directory = try await Self.managed(by: call, tx)
            var policy = try await Self.existingPolicy(id, directory: directory, tx)
            guard policy.origin == .custom else { throw AccessError.systemPolicyImmutable }
            if let newName { policy.name = newName }
            if let newDocument { policy.document = newDocument }
            if let newDescription { policy.description = newDescription }
            policy.updatedAt = Date()
            try await tx.updateControlPolicy(policy, directoryID: directory.id)
            return policy
        }
    }

    public func deleteControlPolicy(_ call: AuthorizedCall, id: String) async throws {
        try await call.write { tx in
            let directory = try await Self.managed(by: call, tx)
            let policy = try await Self.existingPolicy(id, directory: directory, tx)
            guard policy.origin == .custom else { throw AccessError.systemPolicyImmutable }
            guard policy.attachmentCount == 0 else { throw AccessError.deleteConflict(.controlPolicy) }
            try await tx.deleteControlPolicy(id: id, directoryID: directory.id)
        }
    }

    public func attach(_ call: AuthorizedCall, policyID: String, targetID: String) async throws {
        call.note("change", "control policy \(policyID) attached to \(targetID)")
        try await call.write { tx in
            let directory = try await Self.enabledDirectory(call, tx)
            _ = try await Self.existingPolicy(policyID, directory: directory, tx)
            try await Self.requireTarget(targetID, directory: directory, tx)
            try await tx.attachControlPolicy(id: policyID, to: targetID, at: Date(), directoryID: directory.id)
        }
    }

    public func detach(_ call: AuthorizedCall, policyID: String, targetID: String) async throws {
        call.note("change", "control policy \(policyID) detached from \(targetID)")
        try await call.write { tx in
            let directory = try await Self.enabledDirectory(call, tx)
            _ = try await Self.existingPolicy(policyID, directory: directory, tx)
            try await Self.requireTarget(targetID, directory: directory, tx)
            guard try await tx.detachControlPolicy(id: policyID, from: targetID, directoryID: directory.id) else {
                throw AccessError.notFound(.controlPolicy, policyID)
            }
        }
    }

    /// The control policies attached to a folder or account, with when.
    public func attachments(_ call: AuthorizedCall, targetID: String) async throws -> [(policy: ControlPolicy, attachedAt: Date)] {
        try await store.read { tx in
            let directory = try await Self.managed(by: call, tx)
            try await Self.requireTarget(targetID, directory: directory, tx)
            var result: [(ControlPolicy, Date)] = []
            for (policyID, date) in try await tx.controlPolicyAttachments(targetID: targetID, directoryID: directory.id) {
                result.append((try await Self.existingPolicy(policyID, directory: directory, tx), date))
            }
            return result
        }
    }

    private static func enabledDirectory(_ call: AuthorizedCall, _ tx: any StoreTransaction) async throws -> ResourceDirectory {
        let directory = try await managed(by: call, tx)
        guard directory.controlPoliciesEnabled else { throw AccessError.invalidState("control policies are not enabled") }
        return directory
    }

    private static func requireTarget(_ id: String, directory: ResourceDirectory, _ tx: any StoreTransaction) async throws {
        if try await tx.folder(id: id, directoryID: directory.id) != nil { return }
        if try await tx.member(accountID: id) != nil, try await tx.directory(ofAccount: id)?.id == directory.id { return }
        throw AccessError.notFound(.target, id)
    }

    private static func existingPolicy(_ id: String, directory: ResourceDirectory, _ tx: any StoreTransaction) async throws -> ControlPolicy {
        if id == ResourceDirectory.fullAccessPolicyID { return try await fullAccessPolicy(directory, tx) }
        guard var policy = try await tx.controlPolicy(id: id, directoryID: directory.id) else { throw AccessError.notFound(.controlPolicy, id) }
        policy.attachmentCount = try await tx.controlPolicyAttachmentCount(policyID: id, directoryID: directory.id)
        return policy
    }

    private static func fullAccessPolicy(_ directory: ResourceDirectory, _ tx: any StoreTransaction) async throws -> ControlPolicy {
        ControlPolicy(
            id: ResourceDirectory.fullAccessPolicyID, name: ResourceDirectory.fullAccessPolicyName, origin: .system,
            description: "Allows all operations.", document: SystemPolicies.fullAccessControlPolicyText, effectScope: "All",
            attachmentCount: try await tx.controlPolicyAttachmentCount(policyID: ResourceDirectory.fullAccessPolicyID, directoryID: directory.id),
            createdAt: directory.createdAt, updatedAt: directory.createdAt
        )
    }

    static func validateDocument(_ text: String) throws(AccessError) {
        guard !text.isEmpty, text.count <= ResourceDirectory.controlPolicyDocumentLimit else {
            throw .policyDocumentTooLong(limit: ResourceDirectory.controlPolicyDocumentLimit)
        }
        do {
            _ = try PolicyDocument.parse(text, kind: .control)
        } catch {
            throw .malformedPolicyDocument(error.message)
        }
    }
}
