import Foundation

/// What a scaling group launches: the image, the instance types in priority order, and the logon credentials. A
/// password is kept only as a crypt hash; with neither key pair, password nor PasswordInherit each instance gets a
/// random password of its own that nobody is told.
public struct ScalingConfiguration: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable {
        case active = "Active"
        case inactive = "Inactive"
    }

    public let id: String
    public let groupID: String
    public let accountID: String
    public let regionID: String
    public var name: String
    public var imageID: String
    /// At least one; the first is launched.
    public var instanceTypes: [String]
    /// A bound key pair turns password login off on the instances.
    public var keyPairName: String?
    public var passwordHash: String?
    public var passwordInherit: Bool
    public var hostName: String?
    public var instanceName: String?
    public var userData: String
    public var securityGroupID: String?
    public var tags: [Tag]
    public var state: State
    public let creationTime: Date

    public init(
        id: String, groupID: String, accountID: String, regionID: String, name: String, imageID: String, instanceTypes: [String], keyPairName: String?,
        passwordHash: String?, passwordInherit: Bool, hostName: String?, instanceName: String?, userData: String, securityGroupID: String?, tags: [Tag],
        state: State, creationTime: Date
    ) {
        self.id = id
        self.groupID = groupID
        self.accountID = accountID
        self.regionID = regionID
        self.name = name
        self.imageID = imageID
        self.instanceTypes = instanceTypes
        self.keyPairName = keyPairName
        self.passwordHash = passwordHash
        self.passwordInherit = passwordInherit
        self.hostName = hostName
        self.instanceName = instanceName
        self.userData = userData
        self.securityGroupID = securityGroupID
        self.tags = tags
        self.state = state
        self.creationTime = creationTime
    }

    /// Configurations per group, and instance types per configuration.
    public static let quotaPerGroup = 100
    public static let instanceTypeLimit = 10
}
