/// Who is calling: an account, and the identity within it that signed the request.
public struct Principal: Sendable, Hashable {
    /// The identity that holds the AccessKey.
    public enum Identity: Sendable, Hashable {
        /// The account's root identity: not subject to identity policies.
        case root
        /// A RAM user of the account.
        case user(name: String, id: String)
        /// A temporary session of a RAM role, made by AssumeRole.
        case roleSession(roleName: String, roleID: String, sessionName: String)
    }

    public let accountID: String
    public let identity: Identity
    public let accessKeyID: String
    /// The session policy an AssumeRole call narrowed this session with, as its document text.
    public let sessionPolicy: String?

    public init(accountID: String, identity: Identity, accessKeyID: String, sessionPolicy: String? = nil) {
        self.accountID = accountID
        self.identity = identity
        self.accessKeyID = accessKeyID
        self.sessionPolicy = sessionPolicy
    }

    public var isRoot: Bool { identity == .root }

    /// The RAM user's name; nil for root and role sessions.
    public var userName: String? {
        if case .user(let name, _) = identity { return name }
        return nil
    }

    /// The identity's ARN, as GetCallerIdentity and trust policies name it.
    public var arn: String {
        switch identity {
        case .root: "acs:ram::\(accountID):root"
        case .user(let name, _): "acs:ram::\(accountID):user/\(name)"
        case .roleSession(let role, _, let session): "acs:ram::\(accountID):assumed-role/\(role)/\(session)"
        }
    }

    /// How the identity is named in access-denied details and audit records.
    public var displayName: String {
        switch identity {
        case .root: accountID
        case .user(let name, _): name
        case .roleSession(let role, _, let session): "\(role):\(session)"
        }
    }
}
