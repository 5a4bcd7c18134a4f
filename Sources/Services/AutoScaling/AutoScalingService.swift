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

    // MARK: Configurations

    /// What CreateScalingConfiguration takes.
    public struct ConfigurationRequest: Sendable {
        public var name: String?
        public var imageID: String
        public var instanceTypes: [String]
        public var keyPairName: String?
        public var password: String?
        public var passwordInherit: Bool = false
        public var hostName: String?
        public var instanceName: String?
        public var userData: String = ""
        public var securityGroupID: String?
        public var tags: [Tag] = []

        public init(imageID: String, instanceTypes: [String]) {
            self.imageID = imageID
            self.instanceTypes = instanceTypes
        }
    }

    /// Adds a configuration to the group. Its credentials are checked as a launch checks them, and PasswordInherit is
    /// refused unless the caller may launch with the image's password (`ecs:RunInstances` with `ecs:PasswordInherit`).
    public func createConfiguration(_ call: AuthorizedCall, groupID: String, _ request: ConfigurationRequest) async throws -> ScalingConfiguration {
        let group = try await store.read { tx in try await Self.liveGroup(groupID, call, in: tx) }
        let id = ResourceID.make(prefix: "asc")
        let configuration = try await configured(
            ScalingConfiguration(
                id: id, groupID: group.id, accountID: call.accountID, regionID: group.regionID, name: request.name ?? id, imageID: request.imageID,
                instanceTypes: request.instanceTypes, keyPairName: nil, passwordHash: nil, passwordInherit: false, hostName: nil, instanceName: nil,
                userData: "", securityGroupID: nil, tags: [], state: .inactive, creationTime: Date()
            ),
            request, call
        )
        call.noteResource(.service("ess", "scalingconfiguration/\(id)"))
        try await call.write { tx in
            try await tx.insertScalingConfiguration(configuration, quota: ScalingConfiguration.quotaPerGroup)
        }
        return configuration
    }

    /// What ModifyScalingConfiguration changes; nil leaves a field as it is (a password given replaces the old one).
    public struct ConfigurationChanges: Sendable {
        public var name: String?
        public var imageID: String?
        public var instanceTypes: [String]?
        public var keyPairName: String?
        public var password: String?
        public var passwordInherit: Bool?
        public var hostName: String?
        public var instanceName: String?
        public var userData: String?

        public init() {}
    }

    /// Changes a configuration, checked as a new one is; instances already launched keep what they were given.
    public func modifyConfiguration(_ call: AuthorizedCall, configurationID: String, _ changes: ConfigurationChanges) async throws {
        guard let current = try await store.read({ tx in try await tx.scalingConfiguration(id: configurationID, accountID: call.accountID) }) else {
            throw DomainError.scalingConfigurationNotFound(configurationID)
        }
        var request = ConfigurationRequest(imageID: changes.imageID ?? current.imageID, instanceTypes: changes.instanceTypes ?? current.instanceTypes)
        request.name = changes.name ?? current.name
        request.keyPairName = changes.keyPairName ?? current.keyPairName
        request.password = changes.password
        request.passwordInherit = changes.passwordInherit ?? (changes.password == nil && current.passwordInherit)
        request.hostName = changes.hostName ?? current.hostName
        request.instanceName = changes.instanceName ?? current.instanceName
        request.userData = changes.userData ?? current.userData
        request.securityGroupID = current.securityGroupID
        request.tags = current.tags
        var changed = try await configured(current, request, call)
        if changes.password == nil, !request.passwordInherit { changed.passwordHash = current.passwordHash }
        let updated = changed
        try await call.write { tx in
            guard let fresh = try await tx.scalingConfiguration(id: configurationID, accountID: call.accountID) else {
                throw DomainError.scalingConfigurationNotFound(configurationID)
            }
            // Whether it is the active one may have changed meanwhile: that stays as it is now.
            var changed = updated
            changed.state = fresh.state
            try await tx.updateScalingConfiguration(changed)
        }
    }

    /// `base` with the request's fields, each checked: names, instance types, credentials as a launch checks them.
    private func configured(_ base: ScalingConfiguration, _ request: ConfigurationRequest, _ call: AuthorizedCall) async throws -> ScalingConfiguration {
        if let name = request.name { try ScalingGroup.validateName(name, parameter: "ScalingConfigurationName") }
        guard (1...ScalingConfiguration.instanceTypeLimit).contains(request.instanceTypes.count) else {
            throw DomainError.invalidParameter(name: "InstanceTypes", reason: "1 to \(ScalingConfiguration.instanceTypeLimit) instance types")
        }
        for type in request.instanceTypes where !InstanceRules.isValidInstanceType(type) { throw DomainError.invalidParameter(name: "InstanceType", reason: type) }
        if let host = request.hostName { try InstanceRules.validateHostName(host) }
        if let name = request.instanceName { try InstanceRules.validateInstanceName(name) }
        if request.passwordInherit, request.password != nil { throw DomainError.passwordInheritWithPassword }
        if let password = request.password { try PasswordPolicy.ecs.validate(password) }
        let image = try await images.usableImage(request.imageID, accountID: call.accountID, regionID: base.regionID)
        if let keyPair = request.keyPairName {
            try InstanceRules.checkKeyPairAllowedAtLaunch(osType: image.osType, instanceType: request.instanceTypes[0])
            let found = try await store.read { tx in
                try await tx.keyPairs(matching: KeyPairQuery(accountID: call.accountID, regionID: base.regionID, names: [keyPair]), page: nil).totalCount
            }
            guard found > 0 else { throw DomainError.keyPairNotFound(keyPair) }
        }
        if request.passwordInherit {
            guard image.presetPasswordUsers.contains("root") else { throw DomainError.imageHasNoPresetPassword }
            try call.require(alsoAction: "ecs:RunInstances", [.all], conditions: ["ecs:PasswordInherit": ["true"]])
        }
        var configuration = base
        configuration.name = request.name ?? base.name
        configuration.imageID = image.id
        configuration.instanceTypes = request.instanceTypes
        configuration.keyPairName = request.keyPairName
        configuration.passwordHash = request.password.map { PasswordHash.sha512Crypt($0) }
        configuration.passwordInherit = request.passwordInherit
        configuration.hostName = request.hostName
        configuration.instanceName = request.instanceName
        configuration.userData = request.userData
        configuration.securityGroupID = request.securityGroupID
        configuration.tags = request.tags
        return configuration
    }

    /// The caller's configurations in the region, of one group when given; never their passwords.
    public func describeConfigurations(_ call: AuthorizedCall, regionID: String, groupID: String?, ids: [String]?, names: [String]?) async throws -> [ScalingConfiguration] {
        _ = try regions.region(regionID)
        return try await store.read { tx in
            try await tx.scalingConfigurations(accountID: call.accountID, regionID: regionID, groupID: groupID, ids: ids, names: names)
        }
    }

    /// Deletes an inactive configuration that no instance was launched from.
    public func deleteConfiguration(_ call: AuthorizedCall, configurationID: String) async throws {
        try await call.write { tx in
            guard let configuration = try await tx.scalingConfiguration(id: configurationID, accountID: call.accountID) else {
                throw DomainError.scalingConfigurationNotFound(configurationID)
            }
            guard configuration.state != .active else { throw DomainError.scalingConfigurationActive(configurationID) }
            guard try await !tx.scalingMembers(groupID: configuration.groupID).contains(where: { $0.configurationID == configurationID }) else {
                throw DomainError.scalingInstancesInUse
            }
            try await tx.deleteScalingConfiguration(id: configurationID)
        }
    }

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
            var groups: [String]
            if let groupID {
                groups = [groupID]
            } else {
                groups = try await tx.scalingGroups(accountID: call.accountID, regionID: regionID, ids: nil, names: nil).map(\.id)
            }
            var members: [ScalingMember] = []
            for id in groups {
                guard try await tx.scalingGroup(id: id, accountID: call.accountID) != nil else { continue }
                members += try await tx.scalingMembers(groupID: id)
            }
            let selected = instanceIDs.map { ids in members.filter { ids.contains($0.instanceID) } } ?? members
            var result: [(member: ScalingMember, instance: Instance?)] = []
            for member in selected { result.append((member, try await tx.instance(id: member.instanceID, accountID: call.accountID))) }
            return result
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

    private static func checkNoActivity(_ group: ScalingGroup, in tx: any StoreTransaction) async throws {
        if try await tx.scalingActivityInProgress(groupID: group.id) != nil { throw DomainError.scalingActivityInProgress }
    }

    /// An activity done at once (attach, detach), recorded with the change.
    private static func recordCompletedActivity(
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

    private static func activate(_ configurationID: String, in group: inout ScalingGroup, _ tx: any StoreTransaction, _ call: AuthorizedCall) async throws {
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

    private static func attach(_ instanceIDs: [String], to group: ScalingGroup, _ call: AuthorizedCall, in tx: any StoreTransaction) async throws {
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

    private static func validateCooldown(_ cooldown: Int) throws(DomainError) {
        guard (0...ScalingGroup.cooldownLimit).contains(cooldown) else {
            throw .invalidParameter(name: "DefaultCooldown", reason: "must be 0 to \(ScalingGroup.cooldownLimit)")
        }
    }

    private static func checkBatch(_ ids: [String]) throws(DomainError) {
        guard !ids.isEmpty, ids.count <= instanceBatchLimit else { throw .invalidInstanceIDs(reason: "1 to \(instanceBatchLimit) instance ids") }
        guard Set(ids).count == ids.count else { throw .invalidInstanceIDs(reason: "an instance id is repeated") }
    }
}
