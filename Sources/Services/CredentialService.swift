import Foundation
import KeywardCore
import Logging
import Store

/// AccessKeys: the root credentials of the default account, and the lookup signature checks need.
public struct CredentialService: Sendable {
    private let store: any Store
    private let sealer: SecretSealer
    private let secrets = SecretCache()

    public init(store: any Store, sealer: SecretSealer) {
        self.store = store
        self.sealer = sealer
    }

    /// The default account's name; its id is fixed so that ARNs stay stable.
    public static let defaultAccountName = "default"
    public static let defaultAccountID = "1000000000000001"

    /// What `ensureRootAccessKey` found or made.
    public enum RootKeyOutcome: Sendable, Equatable {
        /// Generated now: the secret is shown this once.
        case generated(id: String, secret: String)
        /// Taken from the operator's configuration.
        case configured(id: String)
        /// Made on an earlier start; the secret was shown then.
        case existing(id: String)
    }

    /// Makes sure the default account has a root AccessKey: the configured one when given, else the one made
    /// on an earlier start, else a new one.
    public func ensureRootAccessKey(configured: (id: String, secret: String)?) async throws -> RootKeyOutcome {
        let sealer = self.sealer
        let accountID = Self.defaultAccountID
        if let configured {
            let sealed = try sealer.seal(configured.secret)
            try await store.write { tx in
                try await Self.ensureDefaultAccount(tx)
                if let existing = try await tx.accessKey(id: configured.id) {
                    guard existing.key.accountID == accountID, existing.key.userName == nil else {
                        throw DomainError.invalidParameter(name: "KEYWARD_ROOT_ACCESS_KEY_ID", reason: "belongs to another identity")
                    }
                    if (try? sealer.open(existing.sealedSecret)) != configured.secret {
                        try await tx.replaceAccessKeySecret(id: configured.id, sealedSecret: sealed)
                    }
                } else {
                    try await tx.insertAccessKey(AccessKey(id: configured.id, accountID: accountID, userName: nil, status: .active), sealedSecret: sealed, createdAt: Date())
                }
            }
            return .configured(id: configured.id)
        }
        if let existingID = try await store.read({ tx in try await tx.rootAccessKeyID(accountID: accountID) }) {
            return .existing(id: existingID)
        }
        let id = Self.makeAccessKeyID()
        let secret = Self.makeSecret()
        let sealed = try sealer.seal(secret)
        try await store.write { tx in
            try await Self.ensureDefaultAccount(tx)
            try await tx.insertAccessKey(AccessKey(id: id, accountID: accountID, userName: nil, status: .active), sealedSecret: sealed, createdAt: Date())
        }
        return .generated(id: id, secret: secret)
    }

    /// Why a presented credential cannot sign requests.
    public enum Refusal: Error, Sendable, Equatable {
        case unknownAccessKey
        case inactiveAccessKey
        /// An `STS.` key sent without its security token.
        case missingSecurityToken
        case malformedSecurityToken
        /// The token belongs to another key.
        case securityTokenMismatch
        case securityTokenExpired
    }

    /// A credential that may sign requests: who it stands for and its secret. For a role session, `tokenRefusal` says what
    /// is wrong with the security token that came with it; callers report it only after the signature checked out, so
    /// that nobody without the secret learns anything about a session.
    public struct Credential: Sendable {
        public let principal: Principal
        public let secret: String
        public let tokenRefusal: Refusal?
    }

    /// The principal an AccessKey (with its security token, for role sessions) stands for, and the secret that signs for it.
    /// Throws `Refusal.unknownAccessKey` or `.inactiveAccessKey`.
    public func authenticate(accessKeyID: String, securityToken: String?, now: Date = Date()) async throws -> Credential {
        if accessKeyID.hasPrefix("STS.") {
            let found: (session: RoleSession, sealedSecret: [UInt8])? = try await store.read { tx in
                guard let found = try await tx.roleSession(accessKeyID: accessKeyID) else { return nil }
                // A session ends with its role: a role deleted (or made again under the same name) leaves it nothing to act as.
                guard try await tx.role(named: found.session.roleName, accountID: found.session.accountID)?.id == found.session.roleID else { return nil }
                return found
            }
            guard let found else { throw Refusal.unknownAccessKey }
            let session = found.session
            let refusal: Refusal? = if let securityToken, !securityToken.isEmpty {
                if let named = SecurityToken.accessKeyID(in: securityToken) {
                    if named != accessKeyID {
                        .securityTokenMismatch
                    } else if !ConstantTime.equals(Array(SecurityToken.hash(securityToken).utf8), Array(session.tokenHash.utf8)) {
                        .malformedSecurityToken
                    } else if session.expiresAt <= now {
                        .securityTokenExpired
                    } else {
                        nil
                    }
                } else {
                    .malformedSecurityToken
                }
            } else {
                .missingSecurityToken
            }
            let principal = Principal(
                accountID: session.accountID,
                identity: .roleSession(roleName: session.roleName, roleID: session.roleID, sessionName: session.sessionName),
                accessKeyID: accessKeyID, sessionPolicy: session.sessionPolicy
            )
            let secret = try secrets.secret(accessKeyID: accessKeyID, sealed: found.sealedSecret, open: sealer.open)
            return Credential(principal: principal, secret: secret, tokenRefusal: refusal)
        }
        let resolved: (AccessKey, [UInt8], String?)? = try await store.read { tx in
            guard let found = try await tx.accessKey(id: accessKeyID) else { return nil }
            guard let userName = found.key.userName else { return (found.key, found.sealedSecret, nil) }
            guard let user = try await tx.user(named: userName, accountID: found.key.accountID) else { return nil }
            return (found.key, found.sealedSecret, user.id)
        }
        guard let (key, sealed, userID) = resolved else { throw Refusal.unknownAccessKey }
        guard key.status == .active else { throw Refusal.inactiveAccessKey }
        let identity: Principal.Identity = if let name = key.userName, let userID { .user(name: name, id: userID) } else { .root }
        let secret = try secrets.secret(accessKeyID: key.id, sealed: sealed, open: sealer.open)
        return Credential(principal: Principal(accountID: key.accountID, identity: identity, accessKeyID: key.id), secret: secret, tokenRefusal: nil)
    }

    private static func ensureDefaultAccount(_ tx: any StoreTransaction) async throws {
        if try await tx.account(named: defaultAccountName) == nil {
            try await tx.insertAccount(id: defaultAccountID, name: defaultAccountName, createdAt: Date())
        }
    }

    static func makeAccessKeyID() -> String { "LTAI" + RandomText.alphanumeric(count: 20) }
    static func makeSecret() -> String { RandomText.alphanumeric(count: 30) }
}
