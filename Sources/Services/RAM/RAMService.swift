import Foundation
import KeywardCore
import Logging
import Policy
import SSHKeys
import Store

/// RAM: users, groups, roles, AccessKeys, login profiles and the account alias. Policies are in `RAMService+Policies`.
public struct RAMService: Sendable {
    let store: any Store
    let sealer: SecretSealer
    let systemPolicies: SystemPolicies
    let logger: Logger

    public init(store: any Store, sealer: SecretSealer, logger: Logger) {
        self.store = store
        self.sealer = sealer
        self.systemPolicies = SystemPolicies()
        self.logger = logger
    }

    /// A RAM action on one of the account's RAM resources (`user/alice`), or on `*` when `resource` is nil.
    public static func operation(_ action: String, _ resource: String?, write: Bool) -> Operation {
        let resources: [ResourceName] = resource.map { [.ram($0)] } ?? [.all]
        return write ? .write("ram:" + action, resources) : .read("ram:" + action, resources)
    }

    /// One page of a Marker-paged RAM list.
    public struct Listing<Item: Sendable>: Sendable {
        public let items: [Item]
        /// Where the next page starts; nil on the last page.
        public let marker: String?
    }

    static let maxItemsRange = 1...1000

    // MARK: Users

    public struct UserFields: Sendable {
        public var displayName: String?
        public var comments: String?
        public var email: String?
        public var mobilePhone: String?

        public init(displayName: String? = nil, comments: String? = nil, email: String? = nil, mobilePhone: String? = nil) {
            self.displayName = displayName
            self.comments = comments
            self.email = email
            self.mobilePhone = mobilePhone
        }
    }

    public func createUser(_ call: AuthorizedCall, name: String, fields: UserFields) async throws -> RAMUser {
        try AccessNameRule.userName.check(name)
        try Self.validate(fields)
        let now = Date()
        let user = RAMUser(
            id: RandomText.digits(count: 16), name: name, displayName: fields.displayName ?? name, comments: fields.comments ?? "",
            email: fields.email ?? "", mobilePhone: fields.mobilePhone ?? "", createdAt: now, updatedAt: now
        )
        let accountID = call.accountID
        try await call.write { tx in
            guard try await tx.userCount(accountID: accountID) < RAMLimits.usersPerAccount else {
                throw AccessError.limitExceeded(.user, limit: RAMLimits.usersPerAccount)
            }
            try await tx.insertUser(user, accountID: accountID)
        }
        return user
    }

    public func getUser(_ call: AuthorizedCall, name: String) async throws -> RAMUser {
        try await store.read { tx in try await Self.existingUser(name, accountID: call.accountID, tx) }
    }

    public func updateUser(_ call: AuthorizedCall, name: String, newName: String?, fields: UserFields) async throws -> RAMUser {
        if let newName { try AccessNameRule.userName.check(newName) }
        try Self.validate(fields)
        let accountID = call.accountID
        return try await call.write { tx in
            var user = try await Self.existingUser(name, accountID: accountID, tx)
            if let newName { user.name = newName }
            if let value = fields.displayName { user.displayName = value }
            if let value = fields.comments { user.comments = value }
            if let value = fields.email { user.email = value }
            if let value = fields.mobilePhone { user.mobilePhone = value }
            user.updatedAt = Date()
            try await tx.updateUser(user, named: name, accountID: accountID)
            return user
        }
    }

    public func listUsers(_ call: AuthorizedCall, marker: String?, maxItems: Int) async throws -> Listing<RAMUser> {
        let users = try await store.read { tx in try await tx.users(accountID: call.accountID, after: marker, limit: maxItems + 1) }
        return Self.page(users, maxItems: maxItems, marker: \.name)
    }

    public func deleteUser(_ call: AuthorizedCall, name: String) async throws {
        let accountID = call.accountID
        try await call.write { tx in
            _ = try await Self.existingUser(name, accountID: accountID, tx)
            guard try await tx.accessKeys(userName: name, accountID: accountID).isEmpty else { throw AccessError.deleteConflict(.accessKey) }
            guard try await tx.groups(ofUser: name, accountID: accountID).isEmpty else { throw AccessError.deleteConflict(.userGroup) }
            guard try await tx.attachments(of: .user(name), accountID: accountID).isEmpty else { throw AccessError.deleteConflict(.userPolicy) }
            guard try await tx.loginProfile(userName: name, accountID: accountID) == nil else { throw AccessError.deleteConflict(.loginProfile) }
            try await tx.deleteUser(named: name, accountID: accountID)
        }
    }

    private static func validate(_ fields: UserFields) throws(AccessError) {
        try AccessNameRule.displayName.checkOptional(fields.displayName)
        try AccessNameRule.comments.checkOptional(fields.comments)
        if let email = fields.email, !email.isEmpty, email.count > 128 || !email.contains("@") {
            throw .invalidValue(parameter: "Email", reason: "not an email address")
        }
        if let phone = fields.mobilePhone, phone.count > 32 { throw .invalidLength(parameter: "MobilePhone") }
    }

    static func existingUser(_ name: String, accountID: String, _ tx: any StoreTransaction) async throws -> RAMUser {
        guard let user = try await tx.user(named: name, accountID: accountID) else { throw AccessError.notFound(.user, name) }
        return user
    }

    // MARK: Groups

    public func createGroup(_ call: AuthorizedCall, name: String, comments: String?) async throws -> RAMGroup {
        try AccessNameRule.groupName.check(name)
        try AccessNameRule.comments.checkOptional(comments)
        let now = Date()
        let group = RAMGroup(id: RandomText.digits(count: 16), name: name, comments: comments ?? "", createdAt: now, updatedAt: now)
        let accountID = call.accountID
        try await call.write { tx in
            guard try await tx.groupCount(accountID: accountID) < RAMLimits.groupsPerAccount else {
                throw AccessError.limitExceeded(.group, limit: RAMLimits.groupsPerAccount)
            }
            try await tx.insertGroup(group, accountID: accountID)
        }
        return group
    }

    public func getGroup(_ call: AuthorizedCall, name: String) async throws -> RAMGroup {
        try await store.read { tx in try await Self.existingGroup(name, accountID: call.accountID, tx) }
    }

    public func updateGroup(_ call: AuthorizedCall, name: String, newName: String?, newComments: String?) async throws -> RAMGroup {
        if let newName { try AccessNameRule.groupName.check(newName) }
        try AccessNameRule.comments.checkOptional(newComments)
        let accountID = call.accountID
        return try await call.write { tx in
            var group = try await Self.existingGroup(name, accountID: accountID, tx)
            if let newName { group.name = newName }
            if let newComments { group.comments = newComments }
            group.updatedAt = Date()
            try await tx.updateGroup(group, named: name, accountID: accountID)
            return group
        }
    }

    public func listGroups(_ call: AuthorizedCall, marker: String?, maxItems: Int) async throws -> Listing<RAMGroup> {
        let groups = try await store.read { tx in try await tx.groups(accountID: call.accountID, after: marker, limit: maxItems + 1) }
        return Self.page(groups, maxItems: maxItems, marker: \.name)
    }

    public func deleteGroup(_ call: AuthorizedCall, name: String) async throws {
        let accountID = call.accountID
        try await call.write { tx in
            _ = try await Self.existingGroup(name, accountID: accountID, tx)
            guard try await tx.users(inGroup: name, accountID: accountID).isEmpty else { throw AccessError.deleteConflict(.groupUser) }
            guard try await tx.attachments(of: .group(name), accountID: accountID).isEmpty else { throw AccessError.deleteConflict(.groupPolicy) }
            try await tx.deleteGroup(named: name, accountID: accountID)
        }
    }

    public func addUserToGroup(_ call: AuthorizedCall, userName: String, groupName: String) async throws {
        let accountID = call.accountID
        call.note("change", "user \(userName) added to group \(groupName)")
        try await call.write { tx in
            _ = try await Self.existingGroup(groupName, accountID: accountID, tx)
            _ = try await Self.existingUser(userName, accountID: accountID, tx)
            let groups = try await tx.groups(ofUser: userName, accountID: accountID)
            guard !groups.contains(where: { $0.group.name == groupName }) else { throw AccessError.alreadyExists(.userGroup, userName) }
            guard groups.count < RAMLimits.groupsPerUser else { throw AccessError.limitExceeded(.userGroup, limit: RAMLimits.groupsPerUser) }
            try await tx.addUser(userName, toGroup: groupName, accountID: accountID, at: Date())
        }
    }

    public func removeUserFromGroup(_ call: AuthorizedCall, userName: String, groupName: String) async throws {
        let accountID = call.accountID
        call.note("change", "user \(userName) removed from group \(groupName)")
        try await call.write { tx in
            _ = try await Self.existingGroup(groupName, accountID: accountID, tx)
            _ = try await Self.existingUser(userName, accountID: accountID, tx)
            guard try await tx.removeUser(userName, fromGroup: groupName, accountID: accountID) else { throw AccessError.notFound(.userGroup, userName) }
        }
    }

    public func groupsForUser(_ call: AuthorizedCall, userName: String) async throws -> [(group: RAMGroup, joinedAt: Date)] {
        try await store.read { tx in
            _ = try await Self.existingUser(userName, accountID: call.accountID, tx)
            return try await tx.groups(ofUser: userName, accountID: call.accountID)
        }
    }

    public func usersForGroup(_ call: AuthorizedCall, groupName: String) async throws -> [(user: RAMUser, joinedAt: Date)] {
        try await store.read { tx in
            _ = try await Self.existingGroup(groupName, accountID: call.accountID, tx)
            return try await tx.users(inGroup: groupName, accountID: call.accountID)
        }
    }

    static func existingGroup(_ name: String, accountID: String, _ tx: any StoreTransaction) async throws -> RAMGroup {
        guard let group = try await tx.group(named: name, accountID: accountID) else { throw AccessError.notFound(.group, name) }
        return group
    }

    // MARK: Roles

    public func createRole(_ call: AuthorizedCall, name: String, trustPolicy: String, description: String?, maxSessionDuration: Int?) async throws -> RAMRole {
        try AccessNameRule.roleName.check(name)
        try AccessNameRule.description.checkOptional(description)
        try Self.validateTrustPolicy(trustPolicy)
        let duration = maxSessionDuration ?? RAMRole.defaultMaxSessionDuration
        guard RAMRole.sessionDurationRange.contains(duration) else {
            throw AccessError.invalidValue(parameter: "MaxSessionDuration", reason: "must be 3600 to 43200 seconds")
        }
        let now = Date()
        let role = RAMRole(
            id: RandomText.digits(count: 19), accountID: call.accountID, name: name, description: description ?? "", trustPolicy: trustPolicy,
            maxSessionDuration: duration, createdAt: now, updatedAt: now
        )
        let accountID = call.accountID
        try await call.write { tx in
            guard try await tx.roleCount(accountID: accountID) < RAMLimits.rolesPerAccount else {
                throw AccessError.limitExceeded(.role, limit: RAMLimits.rolesPerAccount)
            }
            try await tx.insertRole(role)
        }
        return role
    }

    public func getRole(_ call: AuthorizedCall, name: String) async throws -> RAMRole {
        try await store.read { tx in try await Self.existingRole(name, accountID: call.accountID, tx) }
    }

    public func updateRole(
        _ call: AuthorizedCall, name: String, newTrustPolicy: String?, newDescription: String?, newMaxSessionDuration: Int?
    ) async throws -> RAMRole {
        if let newTrustPolicy { try Self.validateTrustPolicy(newTrustPolicy) }
        try AccessNameRule.description.checkOptional(newDescription)
        if let duration = newMaxSessionDuration, !RAMRole.sessionDurationRange.contains(duration) {
            throw AccessError.invalidValue(parameter: "MaxSessionDuration", reason: "must be 3600 to 43200 seconds")
        }
        let accountID = call.accountID
        return try await call.write { tx in
            var role = try await Self.existingRole(name, accountID: accountID, tx)
            if let newTrustPolicy { role.trustPolicy = newTrustPolicy }
            if let newDescription { role.description = newDescription }
            if let newMaxSessionDuration { role.maxSessionDuration = newMaxSessionDuration }
            role.updatedAt = Date()
            try await tx.updateRole(role)
            return role
        }
    }

    public func listRoles(_ call: AuthorizedCall, marker: String?, maxItems: Int) async throws -> Listing<RAMRole> {
        let roles = try await store.read { tx in try await tx.roles(accountID: call.accountID, after: marker, limit: maxItems + 1) }
        return Self.page(roles, maxItems: maxItems, marker: \.name)
    }

    public func deleteRole(_ call: AuthorizedCall, name: String) async throws {
        let accountID = call.accountID
        try await call.write { tx in
            _ = try await Self.existingRole(name, accountID: accountID, tx)
            guard try await tx.attachments(of: .role(name), accountID: accountID).isEmpty else { throw AccessError.deleteConflict(.rolePolicy) }
            try await tx.deleteRole(named: name, accountID: accountID)
        }
    }

    static func existingRole(_ name: String, accountID: String, _ tx: any StoreTransaction) async throws -> RAMRole {
        guard let role = try await tx.role(named: name, accountID: accountID) else { throw AccessError.notFound(.role, name) }
        return role
    }

    static func validateTrustPolicy(_ text: String) throws(AccessError) {
        guard text.count <= ManagedPolicy.documentLimit else { throw .policyDocumentTooLong(limit: ManagedPolicy.documentLimit) }
        do {
            _ = try PolicyDocument.parse(text, kind: .trust)
        } catch {
            throw .malformedPolicyDocument(error.message)
        }
    }

    // MARK: AccessKeys

    /// A new AccessKey and its secret, which is returned this once and kept only sealed.
    public func createAccessKey(_ call: AuthorizedCall, userName: String?) async throws -> (key: AccessKey, secret: String) {
        let owner = try ownerOfKeys(call, userName: userName)
        let accountID = call.accountID
        let key = AccessKey(id: CredentialService.makeAccessKeyID(), accountID: accountID, userName: owner, status: .active, createdAt: Date())
        let secret = CredentialService.makeSecret()
        let sealed = try sealer.seal(secret)
        call.note("change", "AccessKey \(key.id) created")
        call.note("accessKeyId", key.id)
        try await call.write { tx in
            if let owner {
                _ = try await Self.existingUser(owner, accountID: accountID, tx)
                guard try await tx.accessKeys(userName: owner, accountID: accountID).count < AccessKey.limitPerUser else {
                    throw AccessError.limitExceeded(.accessKey, limit: AccessKey.limitPerUser)
                }
            }
            try await tx.insertAccessKey(key, sealedSecret: sealed, createdAt: key.createdAt)
        }
        return (key, secret)
    }

    public func listAccessKeys(_ call: AuthorizedCall, userName: String?) async throws -> [AccessKey] {
        let owner = try ownerOfKeys(call, userName: userName)
        return try await store.read { tx in
            guard let owner else { return try await tx.rootAccessKeys(accountID: call.accountID) }
            _ = try await Self.existingUser(owner, accountID: call.accountID, tx)
            return try await tx.accessKeys(userName: owner, accountID: call.accountID)
        }
    }

    public func updateAccessKey(_ call: AuthorizedCall, userName: String?, accessKeyID: String, status: AccessKey.Status) async throws {
        let owner = try ownerOfKeys(call, userName: userName)
        call.note("change", "AccessKey \(accessKeyID) set \(status.rawValue)")
        call.note("accessKeyId", accessKeyID)
        try await call.write { tx in
            _ = try await Self.ownedKey(accessKeyID, owner: owner, accountID: call.accountID, tx)
            try await tx.setAccessKeyStatus(id: accessKeyID, status: status)
        }
    }

    public func deleteAccessKey(_ call: AuthorizedCall, userName: String?, accessKeyID: String) async throws {
        let owner = try ownerOfKeys(call, userName: userName)
        call.note("change", "AccessKey \(accessKeyID) deleted")
        call.note("accessKeyId", accessKeyID)
        try await call.write { tx in
            _ = try await Self.ownedKey(accessKeyID, owner: owner, accountID: call.accountID, tx)
            try await tx.deleteAccessKey(id: accessKeyID)
        }
    }

    /// Whose keys a call means: the named user, else the calling RAM user, else (for root) root's own.
    private func ownerOfKeys(_ call: AuthorizedCall, userName: String?) throws -> String? {
        if let userName { return try AccessNameRule.userName.check(userName) }
        switch call.principal.identity {
        case .root: return nil
        case .user(let name, _): return name
        case .roleSession: throw AccessError.invalidValue(parameter: "UserName", reason: "required for a role session")
        }
    }

    private static func ownedKey(_ id: String, owner: String?, accountID: String, _ tx: any StoreTransaction) async throws -> AccessKey {
        if let owner { _ = try await existingUser(owner, accountID: accountID, tx) }
        guard let found = try await tx.accessKey(id: id), found.key.accountID == accountID, found.key.userName == owner else {
            throw AccessError.notFound(.accessKey, id)
        }
        return found.key
    }

    // MARK: Login profiles

    public func createLoginProfile(
        _ call: AuthorizedCall, userName: String, password: String, resetRequired: Bool, mfaBindRequired: Bool
    ) async throws -> LoginProfile {
        try Self.validateConsolePassword(password)
        let now = Date()
        let profile = LoginProfile(
            userName: userName, passwordHash: PasswordHash.sha512Crypt(password), passwordResetRequired: resetRequired,
            mfaBindRequired: mfaBindRequired, createdAt: now, updatedAt: now
        )
        call.note("change", "console password set for \(userName)")
        try await call.write { tx in
            _ = try await Self.existingUser(userName, accountID: call.accountID, tx)
            try await tx.insertLoginProfile(profile, accountID: call.accountID)
        }
        return profile
    }

    public func getLoginProfile(_ call: AuthorizedCall, userName: String) async throws -> LoginProfile {
        try await store.read { tx in try await Self.existingProfile(userName, accountID: call.accountID, tx) }
    }

    public func updateLoginProfile(
        _ call: AuthorizedCall, userName: String, password: String?, resetRequired: Bool?, mfaBindRequired: Bool?
    ) async throws {
        if let password { try Self.validateConsolePassword(password) }
        if password != nil { call.note("change", "console password changed for \(userName)") }
        try await call.write { tx in
            var profile = try await Self.existingProfile(userName, accountID: call.accountID, tx)
            if let password { profile.passwordHash = PasswordHash.sha512Crypt(password) }
            if let resetRequired { profile.passwordResetRequired = resetRequired }
            if let mfaBindRequired { profile.mfaBindRequired = mfaBindRequired }
            profile.updatedAt = Date()
            try await tx.updateLoginProfile(profile, accountID: call.accountID)
        }
    }

    public func deleteLoginProfile(_ call: AuthorizedCall, userName: String) async throws {
        call.note("change", "console password removed for \(userName)")
        try await call.write { tx in
            _ = try await Self.existingProfile(userName, accountID: call.accountID, tx)
            try await tx.deleteLoginProfile(userName: userName, accountID: call.accountID)
        }
    }

    private static func existingProfile(_ userName: String, accountID: String, _ tx: any StoreTransaction) async throws -> LoginProfile {
        _ = try await existingUser(userName, accountID: accountID, tx)
        guard let profile = try await tx.loginProfile(userName: userName, accountID: accountID) else { throw AccessError.notFound(.loginProfile, userName) }
        return profile
    }

    /// RAM's default password rule: 8 to 32 characters.
    static func validateConsolePassword(_ password: String) throws(AccessError) {
        guard (8...32).contains(password.count) else { throw .invalidLength(parameter: "Password") }
    }

    // MARK: Account alias

    public func accountAlias(_ call: AuthorizedCall) async throws -> String {
        try await store.read { tx in try await tx.accountAlias(accountID: call.accountID) } ?? call.accountID
    }

    public func setAccountAlias(_ call: AuthorizedCall, alias: String) async throws {
        try AccessNameRule.accountAlias.check(alias)
        guard alias == alias.lowercased(), alias.first != "-", alias.last != "-", !alias.contains("--") else { throw AccessError.invalidChars(parameter: "AccountAlias") }
        try await call.write { tx in try await tx.setAccountAlias(accountID: call.accountID, alias: alias) }
    }

    // MARK: Paging

    static func page<Item>(_ items: [Item], maxItems: Int, marker: KeyPath<Item, String>) -> Listing<Item> {
        guard items.count > maxItems else { return Listing(items: items, marker: nil) }
        let page = Array(items.prefix(maxItems))
        return Listing(items: page, marker: page.last?[keyPath: marker])
    }
}
