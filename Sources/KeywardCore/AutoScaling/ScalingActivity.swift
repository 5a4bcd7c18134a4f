import Foundation

/// One change of a group's capacity, recorded before it starts and carried out in the background, so that a
/// restarted server finishes it: the activity moves the group toward `targetCapacity` and can run again safely.
public struct ScalingActivity: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable {
        case inProgress = "InProgress"
        case successful = "Successful"
        /// Part done: some instances started, some failed.
        case warning = "Warning"
        case failed = "Failed"
        case rejected = "Rejected"
    }

    public let id: String
    public let groupID: String
    public let accountID: String
    public let regionID: String
    public var status: Status
    public let cause: String
    public let description: String
    public let startTime: Date
    public var endTime: Date?
    public var progress: Int
    public var statusMessage: String
    public let capacityBefore: Int
    public let targetCapacity: Int
    /// Chosen when the activity is recorded, for a scale-in or RemoveInstances.
    public let instancesToRemove: [String]
    public var createdInstances: [String]
    public var destroyedInstances: [String]

    public init(
        id: String, groupID: String, accountID: String, regionID: String, status: Status, cause: String, description: String, startTime: Date,
        endTime: Date?, progress: Int, statusMessage: String, capacityBefore: Int, targetCapacity: Int, instancesToRemove: [String],
        createdInstances: [String], destroyedInstances: [String]
    ) {
        self.id = id
        self.groupID = groupID
        self.accountID = accountID
        self.regionID = regionID
        self.status = status
        self.cause = cause
        self.description = description
        self.startTime = startTime
        self.endTime = endTime
        self.progress = progress
        self.statusMessage = statusMessage
        self.capacityBefore = capacityBefore
        self.targetCapacity = targetCapacity
        self.instancesToRemove = instancesToRemove
        self.createdInstances = createdInstances
        self.destroyedInstances = destroyedInstances
    }
}
