import Foundation
import KeywardCore
import Logging
import Store

/// AccessKeys: the root credentials of the default account, and the lookup signature checks need.
public struct CredentialService: Sendable {
    private let store: any Store
    private let sealer: SecretSealer

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

    /// The AccessKey with this id and its secret, or nil when unknown.
    public func lookup(accessKeyID: String) async throws -> (key: AccessKey, secret: String)? {
        guard let found = try await store.read({ tx in try await tx.accessKey(id: accessKeyID) }) else { return nil }
        return (found.key, try sealer.open(found.sealedSecret))
    }

    private static func ensureDefaultAccount(_ tx: any StoreTransaction) async throws {
        if try await tx.account(named: defaultAccountName) == nil {
            try await tx.insertAccount(id: defaultAccountID, name: defaultAccountName, createdAt: Date())
        }
    }

    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    static func makeAccessKeyID() -> String { "LTAI" + randomString(count: 20) }
    static func makeSecret() -> String { randomString(count: 30) }

    private static func randomString(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphanumerics[Int.random(in: 0..<alphanumerics.count, using: &generator)] })
    }
}
