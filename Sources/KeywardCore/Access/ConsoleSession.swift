import Foundation

/// A signed-in console session. The browser holds a random id; the store keeps only its digest.
public struct ConsoleSession: Sendable, Hashable {
    /// Who signed in: the account's root, or one of its RAM users.
    public enum Identity: Sendable, Hashable {
        case root
        case user(name: String, id: String)

        /// What failed sign-ins are counted under: `root`, or `user:<id>`.
        public var countingName: String {
            switch self {
            case .root: "root"
            case .user(_, let id): "user:" + id
            }
        }
    }

    /// Hex SHA-256 of the id in the cookie.
    public let idDigest: String
    public let accountID: String
    public let identity: Identity
    /// Sent back in every form; compared in constant time.
    public let csrfToken: String
    public let createdAt: Date
    public var lastSeenAt: Date
    /// The login profile asked for a new password: every page but the password change is closed until then.
    public var passwordChangeRequired: Bool

    public init(idDigest: String, accountID: String, identity: Identity, csrfToken: String, createdAt: Date, lastSeenAt: Date, passwordChangeRequired: Bool) {
        self.idDigest = idDigest
        self.accountID = accountID
        self.identity = identity
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.passwordChangeRequired = passwordChangeRequired
    }

    /// The RAM user's name; nil for root.
    public var userName: String? {
        if case .user(let name, _) = identity { return name }
        return nil
    }
}
