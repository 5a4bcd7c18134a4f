import Foundation
import KeywardCore

/// The access-control part of a transaction: RAM entities, role sessions, the resource directory and the audit trail.
/// Names are unique per account; inserts throw `AccessError.alreadyExists` when one is taken.
public protocol AccessStoreTransaction: Sendable {
    // Accounts
    func accountAlias(accountID: String) async throws -> String?
    /// The account that has this alias.
    func accountID(alias: String) async throws -> String?
    func setAccountAlias(accountID: String, alias: String?) async throws
    func accountExists(id: String) async throws -> Bool

    // Users
    func insertUser(_ user: RAMUser, accountID: String) async throws
    func user(named name: String, accountID: String) async throws -> RAMUser?
    /// Users ordered by name, after `marker` (a name) when given.
    func users(accountID: String, after marker: String?, limit: Int) async throws -> [RAMUser]
    func userCount(accountID: String) async throws -> Int
    /// Replaces the user stored as `name`; a rename carries its keys, groups, policies and login profile along.
    func updateUser(_ user: RAMUser, named name: String, accountID: String) async throws
    /// Also ends the user's console sessions.
    func deleteUser(named name: String, accountID: String) async throws

    // Groups
    func insertGroup(_ group: RAMGroup, accountID: String) async throws
    func group(named name: String, accountID: String) async throws -> RAMGroup?
    func groups(accountID: String, after marker: String?, limit: Int) async throws -> [RAMGroup]
    func groupCount(accountID: String) async throws -> Int
    func updateGroup(_ group: RAMGroup, named name: String, accountID: String) async throws
    func deleteGroup(named name: String, accountID: String) async throws
    func addUser(_ userName: String, toGroup groupName: String, accountID: String, at date: Date) async throws
    /// False when the user was not in the group.
    func removeUser(_ userName: String, fromGroup groupName: String, accountID: String) async throws -> Bool
    func groups(ofUser userName: String, accountID: String) async throws -> [(group: RAMGroup, joinedAt: Date)]
    func users(inGroup groupName: String, accountID: String) async throws -> [(user: RAMUser, joinedAt: Date)]

    // Roles
    func insertRole(_ role: RAMRole) async throws
    func role(named name: String, accountID: String) async throws -> RAMRole?
    func roles(accountID: String, after marker: String?, limit: Int) async throws -> [RAMRole]
    func roleCount(accountID: String) async throws -> Int
    func updateRole(_ role: RAMRole) async throws
    func deleteRole(named name: String, accountID: String) async throws

    // Custom policies and their versions
    func insertPolicy(_ policy: ManagedPolicy, firstVersion: PolicyVersion, accountID: String) async throws
    func customPolicy(named name: String, accountID: String) async throws -> ManagedPolicy?
    func customPolicies(accountID: String) async throws -> [ManagedPolicy]
    func updatePolicy(_ policy: ManagedPolicy, accountID: String) async throws
    func deletePolicy(named name: String, accountID: String) async throws
    /// Adds a version numbered one past the highest ever made, and returns its id.
    func insertPolicyVersion(policyName: String, document: String, at date: Date, accountID: String) async throws -> String
    func policyVersions(policyName: String, accountID: String) async throws -> [PolicyVersion]
    func deletePolicyVersion(policyName: String, versionID: String, accountID: String) async throws

    // Attachments
    func attach(_ attachment: PolicyAttachment, accountID: String) async throws
    /// False when it was not attached.
    func detach(policyName: String, origin: PolicyOrigin, from target: PolicyTarget, accountID: String) async throws -> Bool
    func attachments(of target: PolicyTarget, accountID: String) async throws -> [PolicyAttachment]
    func attachments(ofPolicy name: String, origin: PolicyOrigin, accountID: String) async throws -> [PolicyAttachment]
    /// The policies attached to a target with the document in force: a custom policy's default version, nil for a system
    /// policy (its document is built in). One query, for the per-request policy load.
    func attachedPolicyDocuments(of target: PolicyTarget, accountID: String) async throws -> [(origin: PolicyOrigin, name: String, document: String?)]

    // AccessKeys of RAM users
    func accessKeys(userName: String, accountID: String) async throws -> [AccessKey]
    func rootAccessKeys(accountID: String) async throws -> [AccessKey]
    func setAccessKeyStatus(id: String, status: AccessKey.Status) async throws
    func deleteAccessKey(id: String) async throws

    // Login profiles
    func insertLoginProfile(_ profile: LoginProfile, accountID: String) async throws
    func loginProfile(userName: String, accountID: String) async throws -> LoginProfile?
    func updateLoginProfile(_ profile: LoginProfile, accountID: String) async throws
    /// Also ends the user's console sessions.
    func deleteLoginProfile(userName: String, accountID: String) async throws

    // Role sessions
    func insertRoleSession(_ session: RoleSession, sealedSecret: [UInt8]) async throws
    func roleSession(accessKeyID: String) async throws -> (session: RoleSession, sealedSecret: [UInt8])?
    func purgeRoleSessions(expiredBefore date: Date) async throws

    // Resource directory
    func insertDirectory(_ directory: ResourceDirectory, rootFolder: DirectoryFolder, management: MemberAccount) async throws
    /// The directory the account manages or is a member of.
    func directory(ofAccount accountID: String) async throws -> ResourceDirectory?
    func setControlPolicies(enabled: Bool, directoryID: String) async throws
    func insertFolder(_ folder: DirectoryFolder, directoryID: String) async throws
    func folder(id: String, directoryID: String) async throws -> DirectoryFolder?
    func folders(parentID: String, directoryID: String) async throws -> [DirectoryFolder]
    func insertMember(_ member: MemberAccount, directoryID: String) async throws
    func member(accountID: String) async throws -> MemberAccount?
    func members(directoryID: String) async throws -> [MemberAccount]
    func insertControlPolicy(_ policy: ControlPolicy, directoryID: String) async throws
    func controlPolicy(id: String, directoryID: String) async throws -> ControlPolicy?
    func controlPolicies(directoryID: String) async throws -> [ControlPolicy]
    func updateControlPolicy(_ policy: ControlPolicy, directoryID: String) async throws
    func deleteControlPolicy(id: String, directoryID: String) async throws
    func attachControlPolicy(id: String, to targetID: String, at date: Date, directoryID: String) async throws
    /// False when it was not attached.
    func detachControlPolicy(id: String, from targetID: String, directoryID: String) async throws -> Bool
    /// Policy ids attached to the target, with when.
    func controlPolicyAttachments(targetID: String, directoryID: String) async throws -> [(policyID: String, attachedAt: Date)]
    func controlPolicyAttachmentCount(policyID: String, directoryID: String) async throws -> Int

    // Audit trail
    func insertAuditEvent(_ event: AuditEvent) async throws
    /// Events matching the query, newest first unless it asks for oldest first.
    func auditEvents(matching query: AuditQuery) async throws -> [AuditEvent]
}
