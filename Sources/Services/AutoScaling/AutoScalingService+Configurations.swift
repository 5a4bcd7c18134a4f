import Foundation
import KeywardCore
import SSHKeys
import Store

/// Scaling configurations: what a group launches, with its credentials.
extension AutoScalingService {
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
    func configured(_ base: ScalingConfiguration, _ request: ConfigurationRequest, _ call: AuthorizedCall) async throws -> ScalingConfiguration {
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
        configuration.passwordHash = if let password = request.password { await PasswordHashing.hash(password) } else { nil }
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
}
