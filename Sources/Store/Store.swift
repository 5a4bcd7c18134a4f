import Foundation
import KeywardCore

/// Keyward's persistent state. Every change happens inside `write`, which commits all of it or nothing;
/// uniqueness and quotas are enforced by the database inside that transaction.
public protocol Store: Sendable {
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    /// A small write (a nonce, an audit event) that may share one transaction and one commit with concurrent ones: it is
    /// durable when this returns, and a failure undoes only this body's changes.
    func writeGrouped<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    func close() async
}

/// The operations available inside a transaction.
public protocol StoreTransaction: AccessStoreTransaction, ScalingStoreTransaction, ConsoleStoreTransaction, JobStoreTransaction {
    // Accounts and AccessKeys
    func insertAccount(id: String, name: String, createdAt: Date) async throws
    func account(named name: String) async throws -> String?
    func insertAccessKey(_ key: AccessKey, sealedSecret: [UInt8], createdAt: Date) async throws
    func accessKey(id: String) async throws -> (key: AccessKey, sealedSecret: [UInt8])?
    func replaceAccessKeySecret(id: String, sealedSecret: [UInt8]) async throws
    /// The oldest active AccessKey of the account's root identity.
    func rootAccessKeyID(accountID: String) async throws -> String?
    /// Every sealed secret in the store, by AccessKey id (for re-sealing under a new server key).
    func sealedAccessKeySecrets() async throws -> [(id: String, sealedSecret: [UInt8])]

    // Server settings
    /// A value the server keeps about itself (e.g. the check that the server key is the one that sealed the secrets).
    func setting(named name: String) async throws -> [UInt8]?
    /// Inserts or replaces a server setting.
    func setSetting(named name: String, value: [UInt8]) async throws

    // Key pairs
    /// Inserts `keyPair` with its tags, counting it against the account's quota in its region.
    /// Throws `DomainError.keyPairAlreadyExists` or `.keyPairQuotaExceeded`.
    func insertKeyPair(_ keyPair: KeyPair, quota: Int) async throws
    /// The key pairs matching `query`, ordered by creation, paged when `page` is given.
    func keyPairs(matching query: KeyPairQuery, page: PageRequest?) async throws -> Page<KeyPair>
    /// Deletes the named key pairs (and their tags), returning the names that existed.
    func deleteKeyPairs(accountID: String, regionID: String, names: [String]) async throws -> [String]
    /// Changes a key pair's name and description (`DomainError.keyPairAlreadyExists` when the name is taken).
    func updateKeyPair(id: String, name: String, description: String) async throws

    // Instances and images
    /// Inserts the instance, counting it against the account's instance quota in its region
    /// (`DomainError.instanceQuotaExceeded`).
    func insertInstance(_ instance: Instance, quota: Int) async throws
    /// Replaces the stored instance with the same id, except its latest operation, which only `setLatestOperation`
    /// changes (a copy read before a long step cannot put back an older one).
    func updateInstance(_ instance: Instance) async throws
    func setLatestOperation(_ operation: InstanceOperation?, instanceID: String) async throws
    func instance(id: String, accountID: String?) async throws -> Instance?
    /// The instance whose sshd listens at `address` (namespace sandboxes have one address each).
    func instance(atAddress address: String) async throws -> Instance?
    func instances(matching query: InstanceQuery, page: PageRequest?) async throws -> Page<Instance>
    /// The ids of the instances each named key pair is bound to, in creation order (one query for all names).
    func boundInstanceIDs(accountID: String, regionID: String, keyPairNames: [String]) async throws -> [String: [String]]
    /// Instances of every account in any of `statuses` run by `hostID`'s driver (for re-adoption after a restart).
    func instances(inStatuses statuses: [InstanceStatus], hostID: String) async throws -> [Instance]
    /// Records `hostID` as the host of the instances recorded before hosts were (a deployment's first server takes them).
    func claimUnhostedInstances(hostID: String) async throws
    /// How many instances of every account are in each status (statuses with none are absent).
    func instanceCountsByStatus() async throws -> [InstanceStatus: Int]
    /// The agent bindings of every host that joined through the guest agent.
    func agentBindings() async throws -> [AgentBinding]
    func deleteInstance(id: String) async throws
    func insertImage(_ image: Image) async throws
    func image(id: String) async throws -> Image?
    /// Public images and the account's own, optionally only some ids.
    func images(visibleTo accountID: String, ids: [String]?) async throws -> [Image]
    func deleteImage(id: String) async throws

    // Guest agents
    func insertRegistrationToken(hash: String, accountID: String, regionID: String, instanceName: String?, expiresAt: Date) async throws
    /// Deletes the unexpired token with this hash and returns what it was for; nil when there is none. One use only.
    func consumeRegistrationToken(hash: String, now: Date) async throws -> (accountID: String, regionID: String, instanceName: String?)?

    // Tags
    func tags(resourceType: String, resourceIDs: [String]) async throws -> [String: [Tag]]
    func setTags(_ tags: [Tag], resourceType: String, resourceID: String, accountID: String, regionID: String) async throws
    /// Removes the given keys, or every tag when `keys` is nil.
    func removeTags(keys: [String]?, resourceType: String, resourceID: String) async throws

    // Idempotence (ClientToken)
    /// What an earlier call of `action` with `token` returned, and the digest of its parameters.
    func clientTokenResult(accountID: String, action: String, token: String) async throws -> (digest: String, result: [String])?
    func insertClientTokenResult(accountID: String, action: String, token: String, digest: String, result: [String], at: Date) async throws
    func purgeClientTokens(before: Date) async throws

    // Replay protection
    /// Records `nonce` for `accessKeyID`; false if it was already recorded.
    func claimNonce(_ nonce: String, accessKeyID: String, at: Date) async throws -> Bool
    func purgeNonces(before: Date) async throws
}
