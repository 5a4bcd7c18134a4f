import Foundation
import KeywardCore

/// The Auto Scaling part of a transaction. The database keeps the rules that must hold across servers: names unique
/// per region (groups) and per group (configurations), an instance in at most one group, and at most one activity in
/// progress per group.
public protocol ScalingStoreTransaction: Sendable {
    // Groups
    /// `DomainError.scalingGroupNameTaken` or `.scalingGroupQuotaExceeded`.
    func insertScalingGroup(_ group: ScalingGroup, quota: Int) async throws
    func updateScalingGroup(_ group: ScalingGroup) async throws
    func scalingGroup(id: String, accountID: String?) async throws -> ScalingGroup?
    /// The account's groups in the region, oldest first; `ids`/`names` narrow when given.
    func scalingGroups(accountID: String, regionID: String, ids: [String]?, names: [String]?) async throws -> [ScalingGroup]
    /// Every account's groups in these states (for health checks after a restart).
    func scalingGroups(inStates states: [ScalingGroup.State]) async throws -> [ScalingGroup]
    /// Deletes the group with its configurations, rules, activities and memberships.
    func deleteScalingGroup(id: String) async throws

    // Configurations
    /// `DomainError.scalingConfigurationNameTaken` or `.scalingConfigurationQuotaExceeded`.
    func insertScalingConfiguration(_ configuration: ScalingConfiguration, quota: Int) async throws
    func updateScalingConfiguration(_ configuration: ScalingConfiguration) async throws
    func scalingConfiguration(id: String, accountID: String?) async throws -> ScalingConfiguration?
    /// Oldest first; `groupID`, `ids` and `names` narrow when given.
    func scalingConfigurations(accountID: String, regionID: String, groupID: String?, ids: [String]?, names: [String]?) async throws -> [ScalingConfiguration]
    func deleteScalingConfiguration(id: String) async throws

    // Rules
    func insertScalingRule(_ rule: ScalingRule) async throws
    func scalingRule(id: String, accountID: String) async throws -> ScalingRule?
    func scalingRules(accountID: String, regionID: String, groupID: String?, ids: [String]?) async throws -> [ScalingRule]
    func deleteScalingRule(id: String) async throws

    // Activities
    /// `DomainError.scalingActivityInProgress` when the group already has one in progress.
    func insertScalingActivity(_ activity: ScalingActivity) async throws
    func updateScalingActivity(_ activity: ScalingActivity) async throws
    func scalingActivity(id: String, accountID: String?) async throws -> ScalingActivity?
    /// Newest first.
    func scalingActivities(accountID: String, groupID: String?, ids: [String]?) async throws -> [ScalingActivity]
    /// The group's activity in progress, if any.
    func scalingActivityInProgress(groupID: String) async throws -> ScalingActivity?
    /// Every account's activities in progress (to resume after a restart).
    func scalingActivitiesInProgress() async throws -> [ScalingActivity]

    // Members
    /// `DomainError.instanceInOtherScalingGroup` when the instance is in a group already.
    func insertScalingMember(_ member: ScalingMember) async throws
    func updateScalingMember(_ member: ScalingMember) async throws
    func scalingMember(instanceID: String) async throws -> ScalingMember?
    /// Oldest first.
    func scalingMembers(groupID: String) async throws -> [ScalingMember]
    /// Ends the membership and removes the group's tag from the instance.
    func deleteScalingMember(instanceID: String) async throws
}
