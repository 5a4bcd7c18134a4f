import Foundation
import KeywardCore
import SSHKeys
import Store

/// RAM AccessKeys, login profiles and the account alias.
extension RAMService {
    // MARK: AccessKeys

    /// A new AccessKey and its secret, which is returned this once and kept only sealed.
    public func createAccessKey(_ call: AuthorizedCall, userName: String?) async throws -> (key: AccessKey, secret: String) {
        try call.expect("ram:CreateAccessKey")
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
        try call.expect("ram:UpdateAccessKey")
        let owner = try ownerOfKeys(call, userName: userName)
        call.note("change", "AccessKey \(accessKeyID) set \(status.rawValue)")
        call.note("accessKeyId", accessKeyID)
        try await call.write { tx in
            _ = try await Self.ownedKey(accessKeyID, owner: owner, accountID: call.accountID, tx)
            try await tx.setAccessKeyStatus(id: accessKeyID, status: status)
        }
    }

    public func deleteAccessKey(_ call: AuthorizedCall, userName: String?, accessKeyID: String) async throws {
        try call.expect("ram:DeleteAccessKey")
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
        try call.expect("ram:CreateLoginProfile")
        try Self.validateConsolePassword(password)
        let now = Date()
        let profile = LoginProfile(
            userName: userName, passwordHash: await PasswordHashing.hash(password), passwordResetRequired: resetRequired,
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
        try call.expect("ram:UpdateLoginProfile")
        if let password { try Self.validateConsolePassword(password) }
        if password != nil { call.note("change", "console password changed for \(userName)") }
        // Hashed before the transaction: the write lock is not held while the hash is computed.
        let newHash: String? = if let password { await PasswordHashing.hash(password) } else { nil }
        try await call.write { tx in
            var profile = try await Self.existingProfile(userName, accountID: call.accountID, tx)
            if let newHash { profile.passwordHash = newHash }
            if let resetRequired { profile.passwordResetRequired = resetRequired }
            if let mfaBindRequired { profile.mfaBindRequired = mfaBindRequired }
            profile.updatedAt = Date()
            try await tx.updateLoginProfile(profile, accountID: call.accountID)
            // A new password ends the user's console sessions.
            if password != nil { try await tx.deleteConsoleSessions(accountID: call.accountID, userName: userName) }
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

    /// RAM's default password rule.
    static func validateConsolePassword(_ password: String) throws(AccessError) {
        guard LoginProfile.passwordLengths.contains(password.count) else { throw .invalidLength(parameter: "Password") }
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
}
