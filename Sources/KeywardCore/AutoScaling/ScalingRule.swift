import Foundation

/// A simple scaling rule: an adjustment a group makes when the rule is executed (by its ARI).
public struct ScalingRule: Sendable, Hashable, Codable {
    public let id: String
    public let groupID: String
    public let accountID: String
    public let regionID: String
    public var name: String
    public var adjustment: ScalingAdjustment
    public var cooldown: Int?
    public let creationTime: Date

    public init(id: String, groupID: String, accountID: String, regionID: String, name: String, adjustment: ScalingAdjustment, cooldown: Int?, creationTime: Date) {
        self.id = id
        self.groupID = groupID
        self.accountID = accountID
        self.regionID = regionID
        self.name = name
        self.adjustment = adjustment
        self.cooldown = cooldown
        self.creationTime = creationTime
    }

    /// `ari:acs:ess:<region>:<account>:scalingrule/<id>`.
    public var ari: String { "ari:acs:ess:\(regionID):\(accountID):scalingrule/\(id)" }
}
