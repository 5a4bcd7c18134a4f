import Foundation

/// A temporary credential made by AssumeRole: an `STS.` AccessKey, the token that must travel with it, and the role it acts as.
public struct RoleSession: Sendable, Hashable {
    public let accessKeyID: String
    /// The account the role belongs to (the session acts in it).
    public let accountID: String
    public let roleName: String
    public let roleID: String
    public let sessionName: String
    /// The session policy document, when AssumeRole narrowed the session.
    public let sessionPolicy: String?
    /// SHA-256 of the security token, hex.
    public let tokenHash: String
    public let expiresAt: Date
    public let createdAt: Date

    public init(
        accessKeyID: String, accountID: String, roleName: String, roleID: String, sessionName: String, sessionPolicy: String?,
        tokenHash: String, expiresAt: Date, createdAt: Date
    ) {
        self.accessKeyID = accessKeyID
        self.accountID = accountID
        self.roleName = roleName
        self.roleID = roleID
        self.sessionName = sessionName
        self.sessionPolicy = sessionPolicy
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }

    /// The shortest session AssumeRole grants, in seconds.
    public static let minimumDuration = 900
    /// The longest session policy, in characters.
    public static let sessionPolicyLimit = 2048
}
