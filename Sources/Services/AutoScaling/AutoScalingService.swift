import Foundation
import KeywardCore
import Logging
import SSHKeys
import Store

/// How access control sees the Auto Scaling actions (`ess:*`, resources as ESS's RAM table names them).
extension Operation {
    public static func ess(_ action: String, write: Bool) -> Operation {
        write ? .write("ess:" + action, [.service("ess", "*")]) : .read("ess:" + action, [.service("ess", "*")])
    }
}

/// Auto Scaling use cases: groups, configurations, rules and members. Every capacity change is recorded as an
/// activity in the same transaction that checks it, and carried out in the background by the runner.
public struct AutoScalingService: Sendable {
    let store: any Store
    let regions: RegionCatalog
    let images: ImageService
    let runner: ScalingActivityRunner
    let logger: Logger

    public init(store: any Store, regions: RegionCatalog, images: ImageService, runner: ScalingActivityRunner, logger: Logger) {
        self.store = store
        self.regions = regions
        self.images = images
        self.runner = runner
        self.logger = logger
    }

    /// Scaling groups per account per region.
    public static let groupQuotaPerRegion = 100

    // MARK: Groups

    /// What CreateScalingGroup takes.
    public struct GroupRequest: Sendable {
        public var name: String?
        public var minSize: Int
        public var maxSize: Int
        public var desiredCapacity: Int?
        public var defaultCooldown: Int = 300
        public var removalPolicies: [RemovalPolicy] = ScalingGroup.defaultRemovalPolicies

        public init(minSize: Int, maxSize: Int) {
            self.minSize = minSize
            self.maxSize = maxSize
        }
    }

    /// Creates an Inactive group: it launches nothing until it is enabled.
    public func createGroup(_ call: AuthorizedCall, regionID: String, _ request: GroupRequest) async throws -> ScalingGroup {
        let region = try regions.region(regionID)
        try ScalingGroup.validateSizes(minSize: request.minSize, maxSize: request.maxSize, desiredCapacity: request.desiredCapacity)
        try Self.validateCooldown(request.defaultCooldown)
        if let name = request.name { try ScalingGroup.validateName(name, parameter: "ScalingGroupName") }
        let id = ResourceID.make(prefix: "asg")
        let group = ScalingGroup(
            id: id, accountID: call.accountID, regionID: region.id, name: request.name ?? id, minSize: request.minSize, maxSize: request.maxSize,
            desiredCapacity: request.desiredCapacity, defaultCooldown: request.defaultCooldown, removalPolicies: request.removalPolicies,
            state: .inactive, activeConfigurationID: nil, creationTime: Date()
        )
        call.noteResource(.service("ess", "scalinggroup/\(id)"))
        try await call.write { tx in try await tx.insertScalingGroup(group, quota: Self.groupQuotaPerRegion) }
        return group
    }

    /// What ModifyScalingGroup changes; nil leaves a field as it is.
    public struct GroupChanges: Sendable {
        public var name: String?
        public var minSize: Int?
        public var maxSize: Int?
        public var desiredCapacity: Int?
        public var defaultCooldown: Int?
        public var removalPolicies: [RemovalPolicy]?
        public var activeConfigurationID: String?

        public init() {}
    }

    /// Changes the group; new bounds that the current capacity breaks start an activity that brings it back within them.
    public func modifyGroup(_ call: AuthorizedCall, groupID: String, _ changes: GroupChanges) async throws {
        if let name = changes.name { try ScalingGroup.validateName(name, parameter: "ScalingGroupName") }
        if let cooldown = changes.defaultCooldown { try Self.validateCooldown(cooldown) }
        let activity = try await call.write { tx -> ScalingActivity? in
            var group = try await Self.liveGroup(groupID, call, in: tx)
            let (minSize, maxSize) = (changes.minSize ?? group.minSize, changes.maxSize ?? group.maxSize)
            let desired = changes.desiredCapacity ?? group.desiredCapacity.map { min(max($0, minSize), maxSize) }
            try ScalingGroup.validateSizes(minSize: minSize, maxSize: maxSize, desiredCapacity: desired)
            if let id = changes.activeConfigurationID { try await Self.activate(id, in: &group, tx, call) }
            group.name = changes.name ?? group.name
            (group.minSize, group.maxSize, group.desiredCapacity) = (minSize, maxSize, desired)
            group.defaultCooldown = changes.defaultCooldown ?? group.defaultCooldown
            group.removalPolicies = changes.removalPolicies ?? group.removalPolicies
            try await tx.updateScalingGroup(group)
            guard group.state == .active else { return nil }
            return try await Self.recordActivityToBounds(group, cause: "A user modifies the scaling group", in: tx)
        }
        if let activity { await runner.run(activity.id) }
    }

    /// The caller's groups in the region with their members.
    public func describeGroups(_ call: AuthorizedCall, regionID: String, ids: [String]?, names: [String]?) async throws -> [(ScalingGroup, [ScalingMember])] {
        _ = try regions.region(regionID)
        return try await store.read { tx in
            var result: [(ScalingGroup, [ScalingMember])] = []
            for group in try await tx.scalingGroups(accountID: call.accountID, regionID: regionID, ids: ids, names: names) {
                result.append((group, try await tx.scalingMembers(groupID: group.id)))
            }
            return result
        }
    }

    /// Activates the group: attaches `instanceIDs`, makes a configuration active, and launches what MinSize (or the
    /// desired capacity) still needs.
    public func enableGroup(_ call: AuthorizedCall, groupID: String, activeConfigurationID: String?, instanceIDs: [String]) async throws -> String? {
        if !instanceIDs.isEmpty { try Self.checkBatch(instanceIDs) }
        let activity = try await call.write { tx -> ScalingActivity? in
            var group = try await Self.group(groupID, call, in: tx)
            guard group.state == .inactive else { throw DomainError.incorrectScalingGroupStatus(group.state.rawValue) }
            if let id = activeConfigurationID {
                try await Self.activate(id, in: &group, tx, call)
            } else if group.activeConfigurationID == nil {
                // The group's only configuration is the one it uses.
                let configurations = try await tx.scalingConfigurations(accountID: call.accountID, regionID: group.regionID, groupID: group.id, ids: nil, names: nil)
                guard configurations.count == 1 else { throw DomainError.missingActiveScalingConfiguration }
                try await Self.activate(configurations[0].id, in: &group, tx, call)
            }
            let members = try await tx.scalingMembers(groupID: group.id)
            guard members.count + instanceIDs.count <= group.maxSize else { throw DomainError.incorrectCapacity(.maxSize) }
            try await Self.attach(instanceIDs, to: group, call, in: tx)
            group.state = .active
            try await tx.updateScalingGroup(group)
            return try await Self.recordActivityToBounds(group, cause: "A user enables the scaling group", in: tx)
        }
        if let activity { await runner.run(activity.id) }
        return activity?.id
    }

    /// Stops the group from starting activities; one in progress finishes.
    public func disableGroup(_ call: AuthorizedCall, groupID: String) async throws {
        try await call.write { tx in
            var group = try await Self.group(groupID, call, in: tx)
            guard group.state == .active else { throw DomainError.incorrectScalingGroupStatus(group.state.rawValue) }
            group.state = .inactive
            try await tx.updateScalingGroup(group)
        }
    }

    /// Deletes an empty group; with `force`, disables it, releases the instances it created, lets the attached ones
    /// go, and deletes it with its configurations, rules and activities (in the background).
    public func deleteGroup(_ call: AuthorizedCall, groupID: String, force: Bool) async throws {
        let deleting = try await call.write { tx -> Bool in
            var group = try await Self.group(groupID, call, in: tx)
            if group.state == .deleting {
                guard force else { throw DomainError.incorrectScalingGroupStatus(group.state.rawValue) }
                return true
            }
            let members = try await tx.scalingMembers(groupID: group.id)
            let inProgress = try await tx.scalingActivityInProgress(groupID: group.id) != nil
            if !force {
                guard !inProgress else { throw DomainError.scalingActivityInProgress }
                guard members.isEmpty else { throw DomainError.scalingInstancesInUse }
                try await tx.deleteScalingGroup(id: group.id)
                return false
            }
            group.state = .deleting
            try await tx.updateScalingGroup(group)
            return true
        }
        if deleting { await runner.finishDeletion(groupID) }
    }
}
