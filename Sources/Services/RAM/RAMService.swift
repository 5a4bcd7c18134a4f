import Foundation
import KeywardCore
import Logging
import Policy
import SSHKeys
import Store

/// RAM: users, groups and roles. AccessKeys, login profiles and the alias are in `RAMService+Credentials`, policies in
/// `RAMService+Policies`.
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

    /// A RAM action on the account's RAM resources (`user/alice`, `policy/ReadOnly`), or on `*` when there are none.
    public static func operation(_ action: String, _ resources: [String], write: Bool) -> Operation {
        let names: [ResourceName] = resources.isEmpty ? [.all] : resources.map { .ram($0) }
        return write ? .write("ram:" + action, names) : .read("ram:" + action, names)
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

    // MARK: Paging

    static func page<Item>(_ items: [Item], maxItems: Int, marker: KeyPath<Item, String>) -> Listing<Item> {
        guard items.count > maxItems else { return Listing(items: items, marker: nil) }
        let page = Array(items.prefix(maxItems))
        return Listing(items: page, marker: page.last?[keyPath: marker])
    }
}
