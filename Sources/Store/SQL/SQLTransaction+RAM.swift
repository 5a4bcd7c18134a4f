import Foundation
import KeywardCore

/// RAM users, groups, roles, AccessKeys and login profiles (policies are in `SQLTransaction+RAMPolicies`).
extension SQLTransaction {
    // MARK: Accounts

    func accountAlias(accountID: String) async throws -> String? {
        try await db.execute("SELECT alias FROM accounts WHERE id = $1", [.text(accountID)]).first?.optionalText("alias")
    }

    func accountID(alias: String) async throws -> String? {
        try await db.execute("SELECT id FROM accounts WHERE alias = $1", [.text(alias)]).first?.text("id")
    }

    func setAccountAlias(accountID: String, alias: String?) async throws {
        try await db.execute("UPDATE accounts SET alias = $1 WHERE id = $2", [alias.map(SQLValue.text) ?? .null, .text(accountID)])
    }

    func accountExists(id: String) async throws -> Bool {
        try await !db.execute("SELECT 1 AS one FROM accounts WHERE id = $1", [.text(id)]).isEmpty
    }

    // MARK: Users

    func insertUser(_ user: RAMUser, accountID: String) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO ram_users (account_id, id, name, display_name, comments, email, mobile_phone, created_at, updated_at, last_login_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """,
                [.text(accountID), .text(user.id), .text(user.name), .text(user.displayName), .text(user.comments), .text(user.email),
                 .text(user.mobilePhone), .integer(user.createdAt.epochSeconds), .integer(user.updatedAt.epochSeconds),
                 Self.optionalDate(user.lastLoginAt)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.user, user.name)
        }
    }

    func user(named name: String, accountID: String) async throws -> RAMUser? {
        try await db.execute("SELECT * FROM ram_users WHERE account_id = $1 AND name = $2", [.text(accountID), .text(name)]).first.map(Self.user)
    }

    func users(accountID: String, after marker: String?, limit: Int) async throws -> [RAMUser] {
        try await db.execute(
            "SELECT * FROM ram_users WHERE account_id = $1 AND name > $2 ORDER BY name LIMIT $3",
            [.text(accountID), .text(marker ?? ""), .integer(Int64(limit))]
        ).map(Self.user)
    }

    func userCount(accountID: String) async throws -> Int {
        try await count("ram_users", accountID: accountID)
    }

    func updateUser(_ user: RAMUser, named name: String, accountID: String) async throws {
        do {
            try await db.execute(
                """
                UPDATE ram_users SET name = $1, display_name = $2, comments = $3, email = $4, mobile_phone = $5, updated_at = $6, last_login_at = $7
                WHERE account_id = $8 AND name = $9
                """,
                [.text(user.name), .text(user.displayName), .text(user.comments), .text(user.email), .text(user.mobilePhone),
                 .integer(user.updatedAt.epochSeconds), Self.optionalDate(user.lastLoginAt), .text(accountID), .text(name)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.user, user.name)
        }
        guard user.name != name else { return }
        let binds: [SQLValue] = [.text(user.name), .text(accountID), .text(name)]
        try await db.execute("UPDATE ram_group_members SET user_name = $1 WHERE account_id = $2 AND user_name = $3", binds)
        try await db.execute("UPDATE ram_policy_attachments SET target_name = $1 WHERE account_id = $2 AND target_type = 'User' AND target_name = $3", binds)
        try await db.execute("UPDATE access_keys SET user_name = $1 WHERE account_id = $2 AND user_name = $3", binds)
        try await db.execute("UPDATE ram_login_profiles SET user_name = $1 WHERE account_id = $2 AND user_name = $3", binds)
    }

    func deleteUser(named name: String, accountID: String) async throws {
        try await db.execute("DELETE FROM ram_users WHERE account_id = $1 AND name = $2", [.text(accountID), .text(name)])
        try await deleteConsoleSessions(accountID: accountID, userName: name)
    }

    private static func user(_ row: SQLRow) throws -> RAMUser {
        RAMUser(
            id: try row.text("id"), name: try row.text("name"), displayName: try row.text("display_name"), comments: try row.text("comments"),
            email: try row.text("email"), mobilePhone: try row.text("mobile_phone"), createdAt: Date(epochSeconds: try row.integer("created_at")),
            updatedAt: Date(epochSeconds: try row.integer("updated_at")),
            lastLoginAt: try row.optionalInteger("last_login_at").map(Date.init(epochSeconds:))
        )
    }

    // MARK: Groups

    func insertGroup(_ group: RAMGroup, accountID: String) async throws {
        do {
            try await db.execute(
                "INSERT INTO ram_groups (account_id, id, name, comments, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                [.text(accountID), .text(group.id), .text(group.name), .text(group.comments), .integer(group.createdAt.epochSeconds),
                 .integer(group.updatedAt.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.group, group.name)
        }
    }

    func group(named name: String, accountID: String) async throws -> RAMGroup? {
        try await db.execute("SELECT * FROM ram_groups WHERE account_id = $1 AND name = $2", [.text(accountID), .text(name)]).first.map(Self.group)
    }

    func groups(accountID: String, after marker: String?, limit: Int) async throws -> [RAMGroup] {
        try await db.execute(
            "SELECT * FROM ram_groups WHERE account_id = $1 AND name > $2 ORDER BY name LIMIT $3",
            [.text(accountID), .text(marker ?? ""), .integer(Int64(limit))]
        ).map(Self.group)
    }

    func groupCount(accountID: String) async throws -> Int {
        try await count("ram_groups", accountID: accountID)
    }

    func updateGroup(_ group: RAMGroup, named name: String, accountID: String) async throws {
        do {
            try await db.execute(
                "UPDATE ram_groups SET name = $1, comments = $2, updated_at = $3 WHERE account_id = $4 AND name = $5",
                [.text(group.name), .text(group.comments), .integer(group.updatedAt.epochSeconds), .text(accountID), .text(name)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.group, group.name)
        }
        guard group.name != name else { return }
        let binds: [SQLValue] = [.text(group.name), .text(accountID), .text(name)]
        try await db.execute("UPDATE ram_group_members SET group_name = $1 WHERE account_id = $2 AND group_name = $3", binds)
        try await db.execute("UPDATE ram_policy_attachments SET target_name = $1 WHERE account_id = $2 AND target_type = 'Group' AND target_name = $3", binds)
    }

    func deleteGroup(named name: String, accountID: String) async throws {
        try await db.execute("DELETE FROM ram_groups WHERE account_id = $1 AND name = $2", [.text(accountID), .text(name)])
    }

    func addUser(_ userName: String, toGroup groupName: String, accountID: String, at date: Date) async throws {
        do {
            try await db.execute(
                "INSERT INTO ram_group_members (account_id, group_name, user_name, joined_at) VALUES ($1, $2, $3, $4)",
                [.text(accountID), .text(groupName), .text(userName), .integer(date.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.userGroup, userName)
        }
    }

    func removeUser(_ userName: String, fromGroup groupName: String, accountID: String) async throws -> Bool {
        let binds: [SQLValue] = [.text(accountID), .text(groupName), .text(userName)]
        let found = try await db.execute("SELECT 1 AS one FROM ram_group_members WHERE account_id = $1 AND group_name = $2 AND user_name = $3", binds)
        guard !found.isEmpty else { return false }
        try await db.execute("DELETE FROM ram_group_members WHERE account_id = $1 AND group_name = $2 AND user_name = $3", binds)
        return true
    }

    func groups(ofUser userName: String, accountID: String) async throws -> [(group: RAMGroup, joinedAt: Date)] {
        try await db.execute(
            """
            SELECT g.*, m.joined_at FROM ram_group_members m JOIN ram_groups g ON g.account_id = m.account_id AND g.name = m.group_name
            WHERE m.account_id = $1 AND m.user_name = $2 ORDER BY m.joined_at, g.name
            """,
            [.text(accountID), .text(userName)]
        ).map { row in (try Self.group(row), Date(epochSeconds: try row.integer("joined_at"))) }
    }

    func users(inGroup groupName: String, accountID: String) async throws -> [(user: RAMUser, joinedAt: Date)] {
        try await db.execute(
            """
            SELECT u.*, m.joined_at FROM ram_group_members m JOIN ram_users u ON u.account_id = m.account_id AND u.name = m.user_name
            WHERE m.account_id = $1 AND m.group_name = $2 ORDER BY m.joined_at, u.name
            """,
            [.text(accountID), .text(groupName)]
        ).map { row in (try Self.user(row), Date(epochSeconds: try row.integer("joined_at"))) }
    }

    private static func group(_ row: SQLRow) throws -> RAMGroup {
        RAMGroup(
            id: try row.text("id"), name: try row.text("name"), comments: try row.text("comments"),
            createdAt: Date(epochSeconds: try row.integer("created_at")), updatedAt: Date(epochSeconds: try row.integer("updated_at"))
        )
    }

    // MARK: Roles

    func insertRole(_ role: RAMRole) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO ram_roles (account_id, id, name, description, trust_policy, max_session_duration, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """,
                [.text(role.accountID), .text(role.id), .text(role.name), .text(role.description), .text(role.trustPolicy),
                 .integer(Int64(role.maxSessionDuration)), .integer(role.createdAt.epochSeconds), .integer(role.updatedAt.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.role, role.name)
        }
    }

    func role(named name: String, accountID: String) async throws -> RAMRole? {
        try await db.execute("SELECT * FROM ram_roles WHERE account_id = $1 AND name = $2", [.text(accountID), .text(name)]).first.map(Self.role)
    }

    func roles(accountID: String, after marker: String?, limit: Int) async throws -> [RAMRole] {
        try await db.execute(
            "SELECT * FROM ram_roles WHERE account_id = $1 AND name > $2 ORDER BY name LIMIT $3",
            [.text(accountID), .text(marker ?? ""), .integer(Int64(limit))]
        ).map(Self.role)
    }

    func roleCount(accountID: String) async throws -> Int {
        try await count("ram_roles", accountID: accountID)
    }

    func updateRole(_ role: RAMRole) async throws {
        try await db.execute(
            "UPDATE ram_roles SET description = $1, trust_policy = $2, max_session_duration = $3, updated_at = $4 WHERE account_id = $5 AND name = $6",
            [.text(role.description), .text(role.trustPolicy), .integer(Int64(role.maxSessionDuration)), .integer(role.updatedAt.epochSeconds),
             .text(role.accountID), .text(role.name)]
        )
    }

    func deleteRole(named name: String, accountID: String) async throws {
        try await db.execute("DELETE FROM ram_roles WHERE account_id = $1 AND name = $2", [.text(accountID), .text(name)])
    }

    private static func role(_ row: SQLRow) throws -> RAMRole {
        RAMRole(
            id: try row.text("id"), accountID: try row.text("account_id"), name: try row.text("name"), description: try row.text("description"),
            trustPolicy: try row.text("trust_policy"), maxSessionDuration: Int(try row.integer("max_session_duration")),
            createdAt: Date(epochSeconds: try row.integer("created_at")), updatedAt: Date(epochSeconds: try row.integer("updated_at"))
        )
    }

    // MARK: AccessKeys

    func accessKeys(userName: String, accountID: String) async throws -> [AccessKey] {
        try await keys(
            "SELECT id, account_id, user_name, status, created_at FROM access_keys WHERE account_id = $1 AND user_name = $2 ORDER BY created_at, id",
            [.text(accountID), .text(userName)]
        )
    }

    func rootAccessKeys(accountID: String) async throws -> [AccessKey] {
        try await keys(
            "SELECT id, account_id, user_name, status, created_at FROM access_keys WHERE account_id = $1 AND user_name IS NULL ORDER BY created_at, id",
            [.text(accountID)]
        )
    }

    private func keys(_ sql: String, _ binds: [SQLValue]) async throws -> [AccessKey] {
        try await db.execute(sql, binds).map { row in
            AccessKey(
                id: try row.text("id"), accountID: try row.text("account_id"), userName: try row.optionalText("user_name"),
                status: AccessKey.Status(rawValue: try row.text("status")) ?? .inactive, createdAt: Date(epochSeconds: try row.integer("created_at"))
            )
        }
    }

    func setAccessKeyStatus(id: String, status: AccessKey.Status) async throws {
        try await db.execute("UPDATE access_keys SET status = $1 WHERE id = $2", [.text(status.rawValue), .text(id)])
    }

    func deleteAccessKey(id: String) async throws {
        try await db.execute("DELETE FROM signature_nonces WHERE access_key_id = $1", [.text(id)])
        try await db.execute("DELETE FROM access_keys WHERE id = $1", [.text(id)])
    }

    // MARK: Login profiles

    func insertLoginProfile(_ profile: LoginProfile, accountID: String) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO ram_login_profiles (account_id, user_name, password_hash, password_reset_required, mfa_bind_required, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [.text(accountID), .text(profile.userName), .text(profile.passwordHash), .integer(profile.passwordResetRequired ? 1 : 0),
                 .integer(profile.mfaBindRequired ? 1 : 0), .integer(profile.createdAt.epochSeconds), .integer(profile.updatedAt.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.loginProfile, profile.userName)
        }
    }

    func loginProfile(userName: String, accountID: String) async throws -> LoginProfile? {
        try await db.execute("SELECT * FROM ram_login_profiles WHERE account_id = $1 AND user_name = $2", [.text(accountID), .text(userName)])
            .first.map { row in
                LoginProfile(
                    userName: try row.text("user_name"), passwordHash: try row.text("password_hash"),
                    passwordResetRequired: try row.integer("password_reset_required") != 0, mfaBindRequired: try row.integer("mfa_bind_required") != 0,
                    createdAt: Date(epochSeconds: try row.integer("created_at")), updatedAt: Date(epochSeconds: try row.integer("updated_at"))
                )
            }
    }

    func updateLoginProfile(_ profile: LoginProfile, accountID: String) async throws {
        try await db.execute(
            """
            UPDATE ram_login_profiles SET password_hash = $1, password_reset_required = $2, mfa_bind_required = $3, updated_at = $4
            WHERE account_id = $5 AND user_name = $6
            """,
            [.text(profile.passwordHash), .integer(profile.passwordResetRequired ? 1 : 0), .integer(profile.mfaBindRequired ? 1 : 0),
             .integer(profile.updatedAt.epochSeconds), .text(accountID), .text(profile.userName)]
        )
    }

    func deleteLoginProfile(userName: String, accountID: String) async throws {
        try await db.execute("DELETE FROM ram_login_profiles WHERE account_id = $1 AND user_name = $2", [.text(accountID), .text(userName)])
        try await deleteConsoleSessions(accountID: accountID, userName: userName)
    }

    // MARK: Helpers

    static func optionalDate(_ date: Date?) -> SQLValue {
        guard let date else { return .null }
        return .integer(date.epochSeconds)
    }

    func count(_ table: String, accountID: String) async throws -> Int {
        Int(try await db.execute("SELECT COUNT(*) AS n FROM \(table) WHERE account_id = $1", [.text(accountID)]).first?.integer("n") ?? 0)
    }
}
