import Foundation
import SSHKeys

/// A key pair registered in a region of an account: its public half only.
/// The private key of a created key pair exists only in the response to its creation.
public struct KeyPair: Sendable, Hashable {
    public let id: String
    public let accountID: String
    public let regionID: String
    public let name: String
    /// The `authorized_keys` line of the public key.
    public let publicKey: String
    /// The OpenSSH key type name, e.g. `ssh-rsa`.
    public let keyType: String
    /// MD5 fingerprint as colon-separated lowercase hex (`ssh-keygen -l -E md5` without its prefix).
    public let fingerprintMD5: String
    /// SHA256 fingerprint as `ssh-keygen -l` prints it.
    public let fingerprintSHA256: String
    public let resourceGroupID: String
    /// The project a key pair belongs to (0: the default project).
    public var projectID: Int
    public var description: String
    public let creationTime: Date
    public let tags: [Tag]

    public init(
        id: String,
        accountID: String,
        regionID: String,
        name: String,
        publicKey: String,
        keyType: String,
        fingerprintMD5: String,
        fingerprintSHA256: String,
        resourceGroupID: String,
        projectID: Int = 0,
        description: String = "",
        creationTime: Date,
        tags: [Tag]
    ) {
        self.id = id
        self.accountID = accountID
        self.regionID = regionID
        self.name = name
        self.publicKey = publicKey
        self.keyType = keyType
        self.fingerprintMD5 = fingerprintMD5
        self.fingerprintSHA256 = fingerprintSHA256
        self.resourceGroupID = resourceGroupID
        self.projectID = projectID
        self.description = description
        self.creationTime = creationTime
        self.tags = tags
    }

    /// A new key pair record for `publicKey`, named and placed as given.
    public init(
        name: KeyPairName,
        publicKey: PublicKey,
        accountID: String,
        regionID: String,
        resourceGroupID: String,
        projectID: Int = 0,
        tags: [Tag],
        now: Date
    ) {
        self.init(
            id: ResourceID.make(prefix: "skp"),
            accountID: accountID,
            regionID: regionID,
            name: name.value,
            publicKey: publicKey.authorizedKeysLine,
            keyType: publicKey.algorithm,
            fingerprintMD5: publicKey.md5Fingerprint,
            fingerprintSHA256: publicKey.sha256Fingerprint,
            resourceGroupID: resourceGroupID,
            projectID: projectID,
            creationTime: now,
            tags: tags
        )
    }

    /// The key pair's `ResourceID.shortID(of:)` (`skey-…`).
    public var shortID: String { ResourceID.shortID(of: id) }

    /// Key pairs per account per region.
    public static let quotaPerRegion = 500
}
