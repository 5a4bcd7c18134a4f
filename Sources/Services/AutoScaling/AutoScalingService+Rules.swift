import Foundation
import KeywardCore
import SSHKeys
import Store

/// What the use cases share: group lookups, activation, attachment, activities and checks.
extension AutoScalingService {
    // MARK: Rules shared by the use cases

    /// The caller's group, in any state (`DomainError.scalingGroupNotFound` otherwise).
    static func group(_ id: String, _ call: AuthorizedCall, in tx: any StoreTransaction) async throws -> ScalingGroup {
        guard let group = try await tx.scalingGroup(id: id, accountID: call.accountID) else { throw DomainError.scalingGroupNotFound(id) }
        return group
    }

    /// The caller's group unless it is being deleted (`DomainError.incorrectScalingGroupStatus`).
    static func liveGroup(_ id: String, _ call: AuthorizedCall, in tx: any StoreTransaction) async throws -> ScalingGroup {
        let group = try await group(id, call, in: tx)
        guard group.state != .deleting else { throw DomainError.incorrectScalingGroupStatus(group.state.rawValue) }
        return group
    }

    static func activate(_ configurationID: String, in group: inout ScalingGroup, _ tx: any StoreTransaction, _ call: AuthorizedCall) async throws {
        guard var configuration = try await tx.scalingConfiguration(id: configurationID, accountID: call.accountID), configuration.groupID == group.id else {
            throw DomainError.scalingConfigurationNotFound(configurationID)
        }
        if let previous = group.activeConfigurationID, previous != configurationID,
           var old = try await tx.scalingConfiguration(id: previous, accountID: call.accountID) {
            old.state = .inactive
            try await tx.updateScalingConfiguration(old)
        }
        configuration.state = .active
        try await tx.updateScalingConfiguration(configuration)
        group.activeConfigurationID = configurationID
    }

    static func attach(_ instanceIDs: [String], to group: ScalingGroup, _ call: AuthorizedCall, in tx: any StoreTransaction) async throws {
        for id in instanceIDs {
            guard let instance = try await tx.instance(id: id, accountID: call.accountID), instance.regionID == group.regionID else {
                throw DomainError.instanceNotFound(id)
            }
            guard instance.status == .running else { throw DomainError.incorrectInstanceStatus(instance.status.rawValue) }
            try await tx.setTags([.scalingGroup(group.id)], resourceType: ResourceType.instance, resourceID: id, accountID: group.accountID, regionID: group.regionID)
            try await tx.insertScalingMember(ScalingMember(
                instanceID: id, groupID: group.id, accountID: group.accountID, configurationID: nil, creationType: .attached, state: .inService,
                isProtected: false, isEntrusted: false, activityID: nil, creationTime: Date()
            ))
        }
    }

    /// An activity that brings the group within its bounds (and to its desired capacity), or nil when it is there, when
    /// an activity already runs (the next health check looks again), or when only protected members could go.
    static func recordActivityToBounds(_ group: ScalingGroup, cause: String, in tx: any StoreTransaction) async throws -> ScalingActivity? {
        guard try await tx.scalingActivityInProgress(groupID: group.id) == nil else { return nil }
        let members = try await tx.scalingMembers(groupID: group.id).filter { $0.state != .removing }
        let wanted = group.desiredCapacity ?? members.count
        let target = min(max(wanted, group.minSize), group.maxSize)
        guard target != members.count else { return nil }
        if target < members.count, !members.contains(where: { !$0.isProtected }) { return nil }
        let why = cause + ", changing the Total Capacity from \"\(members.count)\" to \"\(target)\"."
        return try await recordActivity(group, members: members, target: target, cause: why, in: tx)
    }

    /// Records an activity toward `target` (refused while another is in progress); a scale-in chooses its instances now.
    static func recordActivity(
        _ group: ScalingGroup, members: [ScalingMember], target: Int, cause: String, remove: [String]? = nil, in tx: any StoreTransaction
    ) async throws -> ScalingActivity {
        var toRemove = remove ?? []
        if remove == nil, target < members.count {
            let configurations = try await tx.scalingConfigurations(accountID: group.accountID, regionID: group.regionID, groupID: group.id, ids: nil, names: nil)
            let ages = Dictionary(configurations.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
            toRemove = RemovalOrder.choose(members.count - target, from: members, policies: group.removalPolicies, configurationAge: ages).map(\.instanceID)
            guard !toRemove.isEmpty else { throw DomainError.incorrectCapacity(.noChange) }
        }
        let change = target > members.count ? "Add \"\(target - members.count)\" ECS instances" : "Remove \"\(toRemove.count)\" ECS instances"
        let activity = ScalingActivity(
            id: ResourceID.make(prefix: "asa"), groupID: group.id, accountID: group.accountID, regionID: group.regionID, status: .inProgress, cause: cause,
            description: change, startTime: Date(), endTime: nil, progress: 0, statusMessage: "", capacityBefore: members.count, targetCapacity: target,
            instancesToRemove: toRemove, createdInstances: [], destroyedInstances: []
        )
        try await tx.insertScalingActivity(activity)
        return activity
    }

    static func validateCooldown(_ cooldown: Int) throws(DomainError) {
        guard (0...ScalingGroup.cooldownLimit).contains(cooldown) else {
            throw .invalidParameter(name: "DefaultCooldown", reason: "must be 0 to \(ScalingGroup.cooldownLimit)")
        }
    }

    static func checkBatch(_ ids: [String]) throws(DomainError) {
        guard !ids.isEmpty, ids.count <= instanceBatchLimit else { throw .invalidInstanceIDs(reason: "1 to \(instanceBatchLimit) instance ids") }
        guard Set(ids).count == ids.count else { throw .invalidInstanceIDs(reason: "an instance id is repeated") }
    }
}
