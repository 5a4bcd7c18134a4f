import Foundation

/// An instance in a scaling group, as DescribeScalingInstances reports it.
public struct ScalingMember: Sendable, Hashable, Codable {
    public enum CreationType: String, Sendable, Codable {
        /// Launched by the group: released when it leaves.
        case autoCreated = "AutoCreated"
        /// An existing instance added by AttachInstances: it only leaves (unless entrusted).
        case attached = "Attached"
    }

    public enum State: String, Sendable, Codable {
        case pending = "Pending"
        case inService = "InService"
        case removing = "Removing"
    }

    public let instanceID: String
    public let groupID: String
    public let accountID: String
    public let configurationID: String?
    public let creationType: CreationType
    public var state: State
    /// Not removed by scale-in until unprotected.
    public var isProtected: Bool
    /// An attached instance the group manages as its own (released like an AutoCreated one).
    public let isEntrusted: Bool
    /// The activity that added it.
    public let activityID: String?
    public let creationTime: Date

    public init(
        instanceID: String, groupID: String, accountID: String, configurationID: String?, creationType: CreationType, state: State, isProtected: Bool,
        isEntrusted: Bool, activityID: String?, creationTime: Date
    ) {
        self.instanceID = instanceID
        self.groupID = groupID
        self.accountID = accountID
        self.configurationID = configurationID
        self.creationType = creationType
        self.state = state
        self.isProtected = isProtected
        self.isEntrusted = isEntrusted
        self.activityID = activityID
        self.creationTime = creationTime
    }

    /// Whether leaving the group releases the instance.
    public var isReleasedOnRemoval: Bool { creationType == .autoCreated || isEntrusted }
}
