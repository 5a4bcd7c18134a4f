import Foundation
import KeywardCore
import Services

/// RAM 2015-05-01: users, groups, roles, AccessKeys, policies and their attachments, login profiles, the account alias.
public struct RAMActions: Sendable {
    public static let version = "2015-05-01"

    let ram: RAMService

    public init(ram: RAMService) {
        self.ram = ram
    }

    public func register(into routes: inout RPCRoutes) {
        for (action, handler) in identityHandlers + policyHandlers {
            routes.add(version: Self.version, action: action, handler)
        }
    }

    /// A handler that passes the door as `ram:<action>` on `resource` (nil: `*`), then runs `body`.
    static func gated(
        _ action: String, write: Bool, resource: @escaping @Sendable (RPCParameters) throws -> String?,
        _ body: @escaping @Sendable (RPCCall, AuthorizedCall) async throws -> [(String, JSONValue)]
    ) -> (String, RPCHandler) {
        gated(action, write: write, resources: { call in [try resource(call.parameters)].compactMap { $0 } }, body)
    }

    /// A handler that passes the door as `ram:<action>` on every one of `resources` (none: `*`), then runs `body`.
    static func gated(
        _ action: String, write: Bool, resources: @escaping @Sendable (RPCCall) throws -> [String],
        _ body: @escaping @Sendable (RPCCall, AuthorizedCall) async throws -> [(String, JSONValue)]
    ) -> (String, RPCHandler) {
        (action, { call in
            let operation = RAMService.operation(action, try resources(call), write: write)
            return try await call.perform(operation) { try await body(call, $0) }
        })
    }

    // MARK: Users, groups, roles, keys, profiles

    var identityHandlers: [(String, RPCHandler)] {
        let ram = self.ram
        let user: @Sendable (RPCParameters) throws -> String? = { "user/" + (try $0.required("UserName")) }
        let group: @Sendable (RPCParameters) throws -> String? = { "group/" + (try $0.required("GroupName")) }
        let role: @Sendable (RPCParameters) throws -> String? = { "role/" + (try $0.required("RoleName")) }
        // Without UserName a key call is about the caller's own keys.
        let keyOwner: @Sendable (RPCCall) throws -> [String] = { call in
            [call.parameters.optional("UserName") ?? call.context.principal.userName].compactMap { $0 }.map { "user/" + $0 }
        }
        let none: @Sendable (RPCParameters) throws -> String? = { _ in nil }
        return [
            Self.gated("CreateUser", write: true, resource: user) { call, auth in
                let p = call.parameters
                let created = try await ram.createUser(auth, name: try p.required("UserName"), fields: Self.userFields(p, prefix: ""))
                return [("User", Self.render(created))]
            },
            Self.gated("GetUser", write: false, resource: user) { call, auth in
                [("User", Self.render(try await ram.getUser(auth, name: try call.parameters.required("UserName"))))]
            },
            Self.gated("UpdateUser", write: true, resource: user) { call, auth in
                let p = call.parameters
                let updated = try await ram.updateUser(
                    auth, name: try p.required("UserName"), newName: p.optional("NewUserName"), fields: Self.userFields(p, prefix: "New")
                )
                return [("User", Self.render(updated))]
            },
            Self.gated("ListUsers", write: false, resource: { _ in "user/*" }) { call, auth in
                let (marker, max) = try Self.paging(call.parameters)
                let listing = try await ram.listUsers(auth, marker: marker, maxItems: max)
                return Self.listing(listing, outer: "Users", inner: "User", Self.render)
            },
            Self.gated("DeleteUser", write: true, resource: user) { call, auth in
                try await ram.deleteUser(auth, name: try call.parameters.required("UserName"))
                return []
            },
            Self.gated("CreateGroup", write: true, resource: group) { call, auth in
                let p = call.parameters
                return [("Group", Self.render(try await ram.createGroup(auth, name: try p.required("GroupName"), comments: p.optional("Comments"))))]
            },
            Self.gated("GetGroup", write: false, resource: group) { call, auth in
                [("Group", Self.render(try await ram.getGroup(auth, name: try call.parameters.required("GroupName"))))]
            },
            Self.gated("UpdateGroup", write: true, resource: group) { call, auth in
                let p = call.parameters
                let updated = try await ram.updateGroup(
                    auth, name: try p.required("GroupName"), newName: p.optional("NewGroupName"), newComments: p.optional("NewComments")
                )
                return [("Group", Self.render(updated))]
            },
            Self.gated("ListGroups", write: false, resource: { _ in "group/*" }) { call, auth in
                let (marker, max) = try Self.paging(call.parameters)
                return Self.listing(try await ram.listGroups(auth, marker: marker, maxItems: max), outer: "Groups", inner: "Group", Self.render)
            },
            Self.gated("DeleteGroup", write: true, resource: group) { call, auth in
                try await ram.deleteGroup(auth, name: try call.parameters.required("GroupName"))
                return []
            },
            Self.gated("AddUserToGroup", write: true, resource: group) { call, auth in
                let p = call.parameters
                try await ram.addUserToGroup(auth, userName: try p.required("UserName"), groupName: try p.required("GroupName"))
                return []
            },
            Self.gated("RemoveUserFromGroup", write: true, resource: group) { call, auth in
                let p = call.parameters
                try await ram.removeUserFromGroup(auth, userName: try p.required("UserName"), groupName: try p.required("GroupName"))
                return []
            },
            Self.gated("ListGroupsForUser", write: false, resource: user) { call, auth in
                let groups = try await ram.groupsForUser(auth, userName: try call.parameters.required("UserName"))
                let items: [JSONValue] = groups.map { entry in
                    .object([
                        ("GroupId", .string(entry.group.id)), ("GroupName", .string(entry.group.name)), ("Comments", .string(entry.group.comments)),
                        ("JoinDate", .string(Self.time(entry.joinedAt))),
                    ])
                }
                return [("Groups", .object([("Group", .array(items))]))]
            },
            Self.gated("ListUsersForGroup", write: false, resource: group) { call, auth in
                let users = try await ram.usersForGroup(auth, groupName: try call.parameters.required("GroupName"))
                let items: [JSONValue] = users.map { entry in
                    .object([
                        ("UserId", .string(entry.user.id)), ("UserName", .string(entry.user.name)), ("DisplayName", .string(entry.user.displayName)),
                        ("JoinDate", .string(Self.time(entry.joinedAt))),
                    ])
                }
                return [("IsTruncated", .bool(false)), ("Users", .object([("User", .array(items))]))]
            },
            Self.gated("CreateRole", write: true, resource: role) { call, auth in
                let p = call.parameters
                let created = try await ram.createRole(
                    auth, name: try p.required("RoleName"), trustPolicy: try p.required("AssumeRolePolicyDocument"), description: p.optional("Description"),
                    maxSessionDuration: try Self.optionalInt(p, "MaxSessionDuration")
                )
                return [("Role", Self.render(created))]
            },
            Self.gated("GetRole", write: false, resource: role) { call, auth in
                [("Role", Self.render(try await ram.getRole(auth, name: try call.parameters.required("RoleName"))))]
            },
            Self.gated("UpdateRole", write: true, resource: role) { call, auth in
                let p = call.parameters
                let updated = try await ram.updateRole(
                    auth, name: try p.required("RoleName"), newTrustPolicy: p.optional("NewAssumeRolePolicyDocument"),
                    newDescription: p.optional("NewDescription"), newMaxSessionDuration: try Self.optionalInt(p, "NewMaxSessionDuration")
                )
                return [("Role", Self.render(updated))]
            },
            Self.gated("ListRoles", write: false, resource: { _ in "role/*" }) { call, auth in
                let (marker, max) = try Self.paging(call.parameters)
                return Self.listing(try await ram.listRoles(auth, marker: marker, maxItems: max), outer: "Roles", inner: "Role", Self.render)
            },
            Self.gated("DeleteRole", write: true, resource: role) { call, auth in
                try await ram.deleteRole(auth, name: try call.parameters.required("RoleName"))
                return []
            },
            Self.gated("CreateAccessKey", write: true, resources: keyOwner) { call, auth in
                let (key, secret) = try await ram.createAccessKey(auth, userName: call.parameters.optional("UserName"))
                return [("AccessKey", .object([
                    ("AccessKeyId", .string(key.id)), ("AccessKeySecret", .string(secret)), ("Status", .string(key.status.rawValue)),
                    ("CreateDate", .string(Self.time(key.createdAt))),
                ]))]
            },
            Self.gated("ListAccessKeys", write: false, resources: keyOwner) { call, auth in
                let keys = try await ram.listAccessKeys(auth, userName: call.parameters.optional("UserName"))
                let items: [JSONValue] = keys.map {
                    .object([("AccessKeyId", .string($0.id)), ("Status", .string($0.status.rawValue)), ("CreateDate", .string(Self.time($0.createdAt)))])
                }
                return [("AccessKeys", .object([("AccessKey", .array(items))]))]
            },
            Self.gated("UpdateAccessKey", write: true, resources: keyOwner) { call, auth in
                let p = call.parameters
                guard let status = AccessKey.Status(rawValue: try p.required("Status")) else { throw RPCError.invalidParameter("Status", "Active or Inactive.") }
                try await ram.updateAccessKey(auth, userName: p.optional("UserName"), accessKeyID: try p.required("UserAccessKeyId"), status: status)
                return []
            },
            Self.gated("DeleteAccessKey", write: true, resources: keyOwner) { call, auth in
                let p = call.parameters
                try await ram.deleteAccessKey(auth, userName: p.optional("UserName"), accessKeyID: try p.required("UserAccessKeyId"))
                return []
            },
            Self.gated("CreateLoginProfile", write: true, resource: user) { call, auth in
                let p = call.parameters
                let profile = try await ram.createLoginProfile(
                    auth, userName: try p.required("UserName"), password: try p.required("Password"),
                    resetRequired: try p.bool("PasswordResetRequired", default: false), mfaBindRequired: try p.bool("MFABindRequired", default: false)
                )
                return [("LoginProfile", Self.render(profile))]
            },
            Self.gated("GetLoginProfile", write: false, resource: user) { call, auth in
                [("LoginProfile", Self.render(try await ram.getLoginProfile(auth, userName: try call.parameters.required("UserName"))))]
            },
            Self.gated("UpdateLoginProfile", write: true, resource: user) { call, auth in
                let p = call.parameters
                try await ram.updateLoginProfile(
                    auth, userName: try p.required("UserName"), password: p.optional("Password"), resetRequired: try p.optionalBool("PasswordResetRequired"),
                    mfaBindRequired: try p.optionalBool("MFABindRequired")
                )
                return []
            },
            Self.gated("DeleteLoginProfile", write: true, resource: user) { call, auth in
                try await ram.deleteLoginProfile(auth, userName: try call.parameters.required("UserName"))
                return []
            },
            Self.gated("GetAccountAlias", write: false, resource: none) { _, auth in
                [("AccountAlias", .string(try await ram.accountAlias(auth)))]
            },
            Self.gated("SetAccountAlias", write: true, resource: none) { call, auth in
                try await ram.setAccountAlias(auth, alias: try call.parameters.required("AccountAlias"))
                return []
            },
        ]
    }

    // MARK: Encoding

    static func time(_ date: Date) -> String { ECSTime.format(date, seconds: true) }

    static func render(_ user: RAMUser) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("UserId", .string(user.id)), ("UserName", .string(user.name)), ("DisplayName", .string(user.displayName)),
            ("Comments", .string(user.comments)), ("Email", .string(user.email)), ("MobilePhone", .string(user.mobilePhone)),
            ("CreateDate", .string(time(user.createdAt))), ("UpdateDate", .string(time(user.updatedAt))),
        ]
        if let login = user.lastLoginAt { members.append(("LastLoginDate", .string(time(login)))) }
        return .object(members)
    }

    static func render(_ group: RAMGroup) -> JSONValue {
        .object([
            ("GroupId", .string(group.id)), ("GroupName", .string(group.name)), ("Comments", .string(group.comments)),
            ("CreateDate", .string(time(group.createdAt))), ("UpdateDate", .string(time(group.updatedAt))),
        ])
    }

    static func render(_ role: RAMRole) -> JSONValue {
        .object([
            ("RoleId", .string(role.id)), ("RoleName", .string(role.name)), ("Arn", .string(role.arn)), ("Description", .string(role.description)),
            ("AssumeRolePolicyDocument", .string(role.trustPolicy)), ("MaxSessionDuration", .int(role.maxSessionDuration)),
            ("IsServiceLinkedRole", .bool(false)), ("CreateDate", .string(time(role.createdAt))), ("UpdateDate", .string(time(role.updatedAt))),
        ])
    }

    static func render(_ profile: LoginProfile) -> JSONValue {
        .object([
            ("UserName", .string(profile.userName)), ("PasswordResetRequired", .bool(profile.passwordResetRequired)),
            ("MFABindRequired", .bool(profile.mfaBindRequired)), ("CreateDate", .string(time(profile.createdAt))),
        ])
    }

    static func listing<Item>(_ listing: RAMService.Listing<Item>, outer: String, inner: String, _ render: (Item) -> JSONValue) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("IsTruncated", .bool(listing.marker != nil))]
        if let marker = listing.marker { members.append(("Marker", .string(marker))) }
        members.append((outer, .object([(inner, .array(listing.items.map(render)))])))
        return members
    }

    static func paging(_ p: RPCParameters) throws -> (marker: String?, maxItems: Int) {
        (p.optional("Marker").flatMap { $0.isEmpty ? nil : $0 }, try p.int("MaxItems", default: 100, range: 1...1000))
    }

    static func optionalInt(_ p: RPCParameters, _ name: String) throws -> Int? {
        guard let text = p.optional(name) else { return nil }
        guard let value = Int(text) else { throw RPCError.invalidParameter(name) }
        return value
    }

    static func userFields(_ p: RPCParameters, prefix: String) -> RAMService.UserFields {
        RAMService.UserFields(
            displayName: p.optional(prefix + "DisplayName"), comments: p.optional(prefix + "Comments"), email: p.optional(prefix + "Email"),
            mobilePhone: p.optional(prefix + "MobilePhone")
        )
    }
}
