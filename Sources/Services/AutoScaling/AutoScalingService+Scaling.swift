import Foundation
import KeywardCore
import SSHKeys
import Store

/// Rules, scaling and members: every capacity change recorded as an activity.
extension AutoScalingService {
    // MARK: Rules and scaling

    /// A simple rule: the adjustment ExecuteScalingRule applies to its group.
    public func createRule(_ call: AuthorizedCall, groupID: String, name: String?, adjustment: ScalingAdjustment, cooldown: Int?) async throws -> ScalingRule {
        if let name { try ScalingGroup.validateName(name, parameter: "ScalingRuleName") }
        if let cooldown { try Self.validateCooldown(cooldown) }
        return try await call.write { tx in
            let group = try await Self.liveGroup(groupID, call, in: tx)
            let id = ResourceID.make(prefix: "asr")
            let rule = ScalingRule(
                id: id, groupID: group.id, accountID: call.accountID, regionID: group.regionID, name: name ?? id, adjustment: adjustment, cooldown: cooldown,
                creationTime: Date()
            )
            try await tx.insertScalingRule(rule)
            return rule
        }
    }

    /// The caller's rules in the region, of one group when given.
    public func describeRules(_ call: AuthorizedCall, regionID: String, groupID: String?, ids: [String]?) async throws -> [ScalingRule] {
        try await store.read { tx in try await tx.scalingRules(accountID: call.accountID, regionID: regionID, groupID: groupID, ids: ids) }
    }

    /// Executes a rule named by its ARI: `ari:acs:ess:<region>:<account>:scalingrule/<id>`.
    public func executeRule(_ call: AuthorizedCall, ari: String) async throws -> String {
        let prefix = "ari:acs:ess:"
        guard ari.hasPrefix(prefix), let id = ari.split(separator: "/").last.map(String.init), ari.split(separator: ":").count >= 6 else {
            throw DomainError.scalingRuleNotFound(ari)
        }
        let rule = try await store.read { tx in try await tx.scalingRule(id: id, accountID: call.accountID) }
        guard let rule, rule.ari == ari else { throw DomainError.scalingRuleNotFound(ari) }
        return try await scale(call, groupID: rule.groupID, rule.adjustment, cause: "A user requests to execute scaling rule \"\(rule.id)\"")
    }

    /// Moves the group's capacity by `adjustment`, clamped to its bounds; returns the activity's id.
    public func scale(_ call: AuthorizedCall, groupID: String, _ adjustment: ScalingAdjustment, cause: String? = nil) async throws -> String {
        let activity = try await call.write { tx -> ScalingActivity in
            let group = try await Self.group(groupID, call, in: tx)
            guard group.state == .active else { throw DomainError.incorrectScalingGroupStatus(group.state.rawValue) }
            // A running activity is said first: its members are already counted, so the capacity would seem unchanged.
            try await Self.checkNoActivity(group, in: tx)
            let members = try await tx.scalingMembers(groupID: group.id).filter { $0.state != .removing }
            let target = try adjustment.target(current: members.count, bounds: group.minSize...group.maxSize)
            var changed = group
            if changed.desiredCapacity != nil { changed.desiredCapacity = target }
            try await tx.updateScalingGroup(changed)
            let why = (cause ?? "A user requests to scale the group with \(adjustment.typeName) \(adjustment.value)")
                + ", changing the Total Capacity from \"\(members.count)\" to \"\(target)\"."
            return try await Self.recordActivity(changed, members: members, target: target, cause: why, in: tx)
        }
        await runner.run(activity.id)
        return activity.id
    }

    // MARK: Members

    /// Instances per Attach, Detach, Remove, Enable or SetInstancesProtection call.
    public static let instanceBatchLimit = 20

    /// The members of the caller's groups (one group, or all in the region) with their instances.
    public func describeMembers(
        _ call: AuthorizedCall, groupID: String?, regionID: String, instanceIDs: [String]?
    ) async throws -> [(member: ScalingMember, instance: Instance?)] {
        try await store.read { tx in
            // Only the caller's groups: an id of another account's group lists nothing.
            let groups = try await tx.scalingGroups(accountID: call.accountID, regionID: regionID, ids: groupID.map { [$0] }, names: nil)
            var members: [ScalingMember] = []
            for group in groups { members += try await tx.scalingMembers(groupID: group.id) }
            let selected = instanceIDs.map { ids in members.filter { ids.contains($0.instanceID) } } ?? members
            // The members' instances in one query.
            let query = InstanceQuery(accountID: call.accountID, regionID: nil, ids: selected.map(\.instanceID))
            let instances = try await tx.instances(matching: query, page: nil).items
            return selected.map { member in (member, instances.first { $0.id == member.instanceID }) }
        }
    }

    /// Removes members (releasing those the group created); the group may not fall below MinSize.
    public func removeInstances(_ call: AuthorizedCall, groupID: String, instanceIDs: [String], decreaseDesired: Bool = true) async throws -> String {
        try Self.checkBatch(instanceIDs)
        let activity = try await call.write { tx -> ScalingActivity in
            var group = try await Self.group(groupID, call, in: tx)
            guard group.state == .active else { throw DomainError.incorrectScalingGroupStatus(group.state.rawValue) }
            let members = try await tx.scalingMembers(groupID: group.id).filter { $0.state != .removing }
            for id in instanceIDs where !members.contains(where: { $0.instanceID == id }) { throw DomainError.instanceNotFound(id) }
            let target = members.count - instanceIDs.count
            guard target >= group.minSize else { throw DomainError.incorrectCapacity(.minSize) }
            if decreaseDesired, let desired = group.desiredCapacity { group.desiredCapacity = max(group.minSize, desired - instanceIDs.count) }
            try await tx.updateScalingGroup(group)
            let cause = "A user removes instances from the scaling group, changing the Total Capacity from \"\(members.count)\" to \"\(target)\"."
            return try await Self.recordActivity(group, members: members, target: target, cause: cause, remove: instanceIDs, in: tx)
        }
        await runner.run(activity.id)
        return activity.id
    }

    /// Adds running ECS instances of the caller to the group as Attached members; returns the (completed) activity.
    public func attachInstances(_ call: AuthorizedCall, groupID: String, instanceIDs: [String]) async throws -> String {
        try Self.checkBatch(instanceIDs)
        return try await call.write { tx in
            let group = try await Self.group(groupID, call, in: tx)
            guard group.state == .active else { throw DomainError.incorrectScalingGroupStatus(group.state.rawValue) }
            let members = try await tx.scalingMembers(groupID: group.id)
            guard members.count + instanceIDs.count <= group.maxSize else { throw DomainError.incorrectCapacity(.maxSize) }
            try await Self.checkNoActivity(group, in: tx)
            try await Self.attach(instanceIDs, to: group, call, in: tx)
            if let desired = group.desiredCapacity {
                var raised = group
                raised.desiredCapacity = min(group.maxSize, desired + instanceIDs.count)
                try await tx.updateScalingGroup(raised)
            }
            return try await Self.recordCompletedActivity(
                group, before: members.count, after: members.count + instanceIDs.count, created: instanceIDs, destroyed: [],
                cause: "A user attaches instances to the scaling group", in: tx
            )
        }
    }

    /// Lets members leave without releasing them; returns the (completed) activity.
    public func detachInstances(_ call: AuthorizedCall, groupID: String, instanceIDs: [String], decreaseDesired: Bool = true) async throws -> String {
        try Self.checkBatch(instanceIDs)
        return try await call.write { tx in
            var group = try await Self.liveGroup(groupID, call, in: tx)
            let members = try await tx.scalingMembers(groupID: group.id)
            for id in instanceIDs where !members.contains(where: { $0.instanceID == id }) { throw DomainError.instanceNotFound(id) }
            guard members.count - instanceIDs.count >= group.minSize else { throw DomainError.incorrectCapacity(.minSize) }
            try await Self.checkNoActivity(group, in: tx)
            for id in instanceIDs { try await tx.deleteScalingMember(instanceID: id) }
            if decreaseDesired, let desired = group.desiredCapacity {
                group.desiredCapacity = max(group.minSize, desired - instanceIDs.count)
                try await tx.updateScalingGroup(group)
            }
            return try await Self.recordCompletedActivity(
                group, before: members.count, after: members.count - instanceIDs.count, created: [], destroyed: instanceIDs,
                cause: "A user detaches instances from the scaling group", in: tx
            )
        }
    }

    static func checkNoActivity(_ group: ScalingGroup, in tx: any StoreTransaction) async throws {
        if try await tx.scalingActivityInProgress(groupID: group.id) != nil { throw DomainError.scalingActivityInProgress }
    }

    /// An activity done at once (attach, detach), recorded with the change.
    static func recordCompletedActivity(
        _ group: ScalingGroup, before: Int, after: Int, created: [String], destroyed: [String], cause: String, in tx: any StoreTransaction
    ) async throws -> String {
        let now = Date()
        let activity = ScalingActivity(
            id: ResourceID.make(prefix: "asa"), groupID: group.id, accountID: group.accountID, regionID: group.regionID, status: .successful,
            cause: cause + ", changing the Total Capacity from \"\(before)\" to \"\(after)\".",
            description: created.isEmpty ? "Remove \"\(destroyed.count)\" ECS instances" : "Add \"\(created.count)\" ECS instances", startTime: now,
            endTime: now, progress: 100, statusMessage: "", capacityBefore: before, targetCapacity: after, instancesToRemove: [],
            createdInstances: created, destroyedInstances: destroyed
        )
        try await tx.insertScalingActivity(activity)
        return activity.id
    }

    /// Protected members are spared by scale-in and health checks until unprotected.
    public func setProtection(_ call: AuthorizedCall, groupID: String, instanceIDs: [String], protected: Bool) async throws {
        try Self.checkBatch(instanceIDs)
        try await call.write { tx in
            let group = try await Self.group(groupID, call, in: tx)
            guard group.state == .active else { throw DomainError.incorrectScalingGroupStatus(group.state.rawValue) }
            let members = try await tx.scalingMembers(groupID: group.id)
            for id in instanceIDs {
                guard var member = members.first(where: { $0.instanceID == id }) else { throw DomainError.instanceNotFound(id) }
                member.isProtected = protected
                try await tx.updateScalingMember(member)
            }
        }
    }

    /// The caller's activities, newest first.
    public func describeActivities(_ call: AuthorizedCall, groupID: String?, ids: [String]?) async throws -> [ScalingActivity] {
        try await store.read { tx in try await tx.scalingActivities(accountID: call.accountID, groupID: groupID, ids: ids) }
    }
}
