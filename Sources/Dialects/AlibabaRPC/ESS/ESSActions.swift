import Foundation
import KeywardCore
import Services

/// Auto Scaling in both versions in use — 2014-08-28 (aliyun-python-sdk-ess) and 2022-02-22 (alibabacloud-ess20220222) —
/// over the same groups. They differ on the wire only: list parameter names (`InstanceId.N` / `InstanceIds.N`) and
/// response lists (wrapped twice in 2014, flat arrays in 2022).
public struct ESSActions: Sendable {
    let scaling: AutoScalingService

    public static let legacyVersion = "2014-08-28"
    public static let version = "2022-02-22"

    public init(scaling: AutoScalingService) {
        self.scaling = scaling
    }

    public func register(into routes: inout RPCRoutes) {
        let handlers: [(String, RPCHandler)] = [
            ("CreateScalingGroup", createGroup), ("ModifyScalingGroup", modifyGroup), ("DescribeScalingGroups", describeGroups),
            ("EnableScalingGroup", enableGroup), ("DisableScalingGroup", disableGroup), ("DeleteScalingGroup", deleteGroup),
            ("CreateScalingConfiguration", createConfiguration), ("DescribeScalingConfigurations", describeConfigurations),
            ("DeleteScalingConfiguration", deleteConfiguration), ("ModifyScalingConfiguration", modifyConfiguration), ("CreateScalingRule", createRule), ("DescribeScalingRules", describeRules),
            ("ExecuteScalingRule", executeRule), ("ScaleWithAdjustment", scaleWithAdjustment), ("DescribeScalingActivities", describeActivities),
            ("DescribeScalingInstances", describeInstances), ("RemoveInstances", removeInstances), ("AttachInstances", attachInstances),
            ("DetachInstances", detachInstances), ("SetInstancesProtection", setProtection),
        ]
        for version in [Self.legacyVersion, Self.version] {
            for (action, handler) in handlers { routes.add(version: version, action: action, handler) }
        }
    }

    /// Where ESS words a shared error its own way (its error table, reference §6); otherwise as ECS.
    static func rpcError(for error: DomainError) -> RPCError {
        switch error {
        case .instanceNotFound(let id): RPCError(status: 404, code: "InvalidInstanceId.NotFound", message: "Instance \"\(id)\" does not exist.")
        case .incorrectInstanceStatus:
            RPCError(status: 400, code: "IncorrectInstanceStatus", message: "The current status of the instance does not support this action.")
        case .windowsInstanceKeyPair, .instanceTypeWithoutKeyPairSupport:
            RPCError(status: 400, code: "InvalidParameter", message: "The specified value of parameter KeyPairName is not valid.")
        default: AlibabaErrorTable.rpcError(for: error)
        }
    }

    // MARK: Wire differences

    static func isLegacy(_ call: RPCCall) -> Bool { call.version == legacyVersion }

    /// A list parameter: `legacy.N` in 2014-08-28, `current.N` in 2022-02-22.
    static func list(_ call: RPCCall, legacy: String, current: String) throws(RPCError) -> [String] {
        try call.parameters.indexedValues(isLegacy(call) ? legacy : current)
    }

    /// A response list: `{"Outer":{"Inner":[…]}}` in 2014-08-28, `{"Outer":[…]}` in 2022-02-22.
    static func responseList(_ call: RPCCall, _ outer: String, _ inner: String, _ items: [JSONValue]) -> (String, JSONValue) {
        isLegacy(call) ? (outer, .object([(inner, .array(items))])) : (outer, .array(items))
    }

    /// A list inside an item (a configuration's instance types): wrapped in 2014-08-28.
    static func innerList(_ call: RPCCall, _ inner: String, _ items: [String]) -> JSONValue {
        isLegacy(call) ? .object([(inner, .array(items.map(JSONValue.string)))]) : .array(items.map(JSONValue.string))
    }

    static func paging(_ p: RPCParameters, limit: Int = 50) throws(RPCError) -> (number: Int, size: Int) {
        (try p.int("PageNumber", default: 1, range: 1...1_000_000), try p.int("PageSize", default: 10, range: 1...limit))
    }

    static func page<T>(_ items: [T], _ paging: (number: Int, size: Int)) -> [T] {
        Array(items.dropFirst((paging.number - 1) * paging.size).prefix(paging.size))
    }

    static func time(_ date: Date) -> String { ECSTime.format(date) }

    // MARK: Groups

    func createGroup(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        var request = AutoScalingService.GroupRequest(
            minSize: try p.int("MinSize", default: -1, range: -1...ScalingGroup.sizeLimit),
            maxSize: try p.int("MaxSize", default: -1, range: -1...ScalingGroup.sizeLimit)
        )
        guard request.minSize >= 0 else { throw RPCError.missingParameter("MinSize") }
        guard request.maxSize >= 0 else { throw RPCError.missingParameter("MaxSize") }
        request.name = p.optional("ScalingGroupName")
        request.desiredCapacity = try p.optional("DesiredCapacity").map { _ in try p.int("DesiredCapacity", default: 0, range: 0...ScalingGroup.sizeLimit) }
        request.defaultCooldown = try p.int("DefaultCooldown", default: 300, range: 0...ScalingGroup.cooldownLimit)
        let policies = try Self.removalPolicies(call)
        if let policies { request.removalPolicies = policies }
        let creating = request
        let group = try await call.perform(.ess("CreateScalingGroup", write: true)) { try await self.scaling.createGroup($0, regionID: call.regionID, creating) }
        return [("ScalingGroupId", .string(group.id))]
    }

    static func removalPolicies(_ call: RPCCall) throws -> [RemovalPolicy]? {
        let names = try list(call, legacy: "RemovalPolicy", current: "RemovalPolicies")
        guard !names.isEmpty else { return nil }
        return try names.map { name in
            guard let policy = RemovalPolicy(rawValue: name) else { throw RPCError.invalidParameter("RemovalPolicy", "\(name) is not a removal policy") }
            return policy
        }
    }

    func modifyGroup(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let id = try p.required("ScalingGroupId")
        var changes = AutoScalingService.GroupChanges()
        changes.name = p.optional("ScalingGroupName")
        changes.minSize = try p.optional("MinSize").map { _ in try p.int("MinSize", default: 0, range: 0...ScalingGroup.sizeLimit) }
        changes.maxSize = try p.optional("MaxSize").map { _ in try p.int("MaxSize", default: 0, range: 0...ScalingGroup.sizeLimit) }
        changes.desiredCapacity = try p.optional("DesiredCapacity").map { _ in try p.int("DesiredCapacity", default: 0, range: 0...ScalingGroup.sizeLimit) }
        changes.defaultCooldown = try p.optional("DefaultCooldown").map { _ in try p.int("DefaultCooldown", default: 0, range: 0...ScalingGroup.cooldownLimit) }
        changes.removalPolicies = try Self.removalPolicies(call)
        changes.activeConfigurationID = p.optional("ActiveScalingConfigurationId")
        let changing = changes
        try await call.perform(.ess("ModifyScalingGroup", write: true)) { try await self.scaling.modifyGroup($0, groupID: id, changing) }
        return []
    }

    func describeGroups(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let ids = try Self.list(call, legacy: "ScalingGroupId", current: "ScalingGroupIds")
        var names = try Self.list(call, legacy: "ScalingGroupName", current: "ScalingGroupNames")
        if let one = p.optional("ScalingGroupName") { names.append(one) }
        let paging = try Self.paging(p)
        let (idFilter, nameFilter) = (ids.isEmpty ? nil : ids, names.isEmpty ? nil : names)
        let found = try await call.perform(.ess("DescribeScalingGroups", write: false)) {
            try await self.scaling.describeGroups($0, regionID: call.regionID, ids: idFilter, names: nameFilter)
        }
        let items: [JSONValue] = Self.page(found, paging).map { group, members in
            let count = { (state: ScalingMember.State) in members.filter { $0.state == state }.count }
            return .object([
                ("ScalingGroupId", .string(group.id)), ("ScalingGroupName", .string(group.name)), ("RegionId", .string(group.regionID)),
                ("LifecycleState", .string(group.state.rawValue)), ("MinSize", .int(group.minSize)), ("MaxSize", .int(group.maxSize)),
                ("DesiredCapacity", group.desiredCapacity.map(JSONValue.int) ?? .null), ("DefaultCooldown", .int(group.defaultCooldown)),
                ("ActiveScalingConfigurationId", .string(group.activeConfigurationID ?? "")),
                ("TotalCapacity", .int(members.count)), ("ActiveCapacity", .int(count(.inService))), ("PendingCapacity", .int(count(.pending))),
                ("RemovingCapacity", .int(count(.removing))), ("ProtectedCapacity", .int(members.filter(\.isProtected).count)),
                ("TotalInstanceCount", .int(members.count)),
                ("RemovalPolicies", Self.innerList(call, "RemovalPolicy", group.removalPolicies.map(\.rawValue))),
                ("CreationTime", .string(Self.time(group.creationTime))),
            ])
        }
        return [
            ("TotalCount", .int(found.count)), ("PageNumber", .int(paging.number)), ("PageSize", .int(paging.size)),
            Self.responseList(call, "ScalingGroups", "ScalingGroup", items),
        ]
    }

    func enableGroup(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let id = try p.required("ScalingGroupId")
        let configuration = p.optional("ActiveScalingConfigurationId")
        let instances = try Self.list(call, legacy: "InstanceId", current: "InstanceIds")
        let activity = try await call.perform(.ess("EnableScalingGroup", write: true)) {
            try await self.scaling.enableGroup($0, groupID: id, activeConfigurationID: configuration, instanceIDs: instances)
        }
        return activity.map { [("ScalingActivityId", .string($0))] } ?? []
    }

    func disableGroup(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let id = try call.parameters.required("ScalingGroupId")
        try await call.perform(.ess("DisableScalingGroup", write: true)) { try await self.scaling.disableGroup($0, groupID: id) }
        return []
    }

    func deleteGroup(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let id = try p.required("ScalingGroupId")
        let force = try p.bool("ForceDelete", default: false)
        try await call.perform(.ess("DeleteScalingGroup", write: true)) { try await self.scaling.deleteGroup($0, groupID: id, force: force) }
        return []
    }

    // MARK: Configurations

    func createConfiguration(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let groupID = try p.required("ScalingGroupId")
        var types = try p.indexedValues("InstanceTypes")
        if types.isEmpty, let type = p.optional("InstanceType") { types = [type] }
        guard !types.isEmpty else { throw RPCError.missingParameter("InstanceType") }
        var request = AutoScalingService.ConfigurationRequest(imageID: try p.required("ImageId"), instanceTypes: types)
        request.name = p.optional("ScalingConfigurationName")
        request.keyPairName = p.optional("KeyPairName")
        request.password = p.optional("Password")
        let inherit = try p.optionalBool("PasswordInherit")
        request.passwordInherit = inherit ?? false
        request.hostName = p.optional("HostName")
        request.instanceName = p.optional("InstanceName")
        request.securityGroupID = p.optional("SecurityGroupId")
        if let userData = try Self.userData(p) { request.userData = userData }
        if let tags = p.optional("Tags") {
            guard let object = try? JSONDecoder().decode([String: String].self, from: Data(tags.utf8)), object.count <= Tag.limitPerResource else {
                throw RPCError.invalidParameter("Tags", "must be a JSON object of at most 20 keys")
            }
            request.tags = try object.sorted { $0.key < $1.key }.map { try Tag(key: $0.key, value: $0.value) }
        }
        let creating = request
        let configuration = try await call.perform(.ess("CreateScalingConfiguration", write: true)) {
            try await self.scaling.createConfiguration($0, groupID: groupID, creating)
        }
        return [("ScalingConfigurationId", .string(configuration.id))]
    }

    func describeConfigurations(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let ids = try Self.list(call, legacy: "ScalingConfigurationId", current: "ScalingConfigurationIds")
        let names = try Self.list(call, legacy: "ScalingConfigurationName", current: "ScalingConfigurationNames")
        let groupID = p.optional("ScalingGroupId")
        let paging = try Self.paging(p)
        let (idFilter, nameFilter) = (ids.isEmpty ? nil : ids, names.isEmpty ? nil : names)
        let found = try await call.perform(.ess("DescribeScalingConfigurations", write: false)) {
            try await self.scaling.describeConfigurations($0, regionID: call.regionID, groupID: groupID, ids: idFilter, names: nameFilter)
        }
        let items: [JSONValue] = Self.page(found, paging).map { c in
            .object([
                ("ScalingConfigurationId", .string(c.id)), ("ScalingConfigurationName", .string(c.name)), ("ScalingGroupId", .string(c.groupID)),
                ("LifecycleState", .string(c.state.rawValue)), ("ImageId", .string(c.imageID)), ("InstanceType", .string(c.instanceTypes[0])),
                ("InstanceTypes", Self.innerList(call, "InstanceType", c.instanceTypes)), ("KeyPairName", .string(c.keyPairName ?? "")),
                // Never the password: only whether one is set.
                ("PasswordInherit", .bool(c.passwordInherit)), ("PasswordSetted", .bool(c.passwordHash != nil)),
                ("HostName", .string(c.hostName ?? "")), ("InstanceName", .string(c.instanceName ?? "")),
                ("SecurityGroupId", .string(c.securityGroupID ?? "")), ("UserData", .string(Data(c.userData.utf8).base64EncodedString())),
                ("CreationTime", .string(Self.time(c.creationTime))),
            ])
        }
        return [
            ("TotalCount", .int(found.count)), ("PageNumber", .int(paging.number)), ("PageSize", .int(paging.size)),
            Self.responseList(call, "ScalingConfigurations", "ScalingConfiguration", items),
        ]
    }

    func modifyConfiguration(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let id = try p.required("ScalingConfigurationId")
        var changes = AutoScalingService.ConfigurationChanges()
        changes.name = p.optional("ScalingConfigurationName")
        changes.imageID = p.optional("ImageId")
        let types = try p.indexedValues("InstanceTypes")
        changes.instanceTypes = types.isEmpty ? p.optional("InstanceType").map { [$0] } : types
        changes.keyPairName = p.optional("KeyPairName")
        changes.password = p.optional("Password")
        changes.passwordInherit = try p.optionalBool("PasswordInherit")
        changes.hostName = p.optional("HostName")
        changes.instanceName = p.optional("InstanceName")
        changes.userData = try Self.userData(p)
        let changing = changes
        try await call.perform(.ess("ModifyScalingConfiguration", write: true)) {
            try await self.scaling.modifyConfiguration($0, configurationID: id, changing)
        }
        return []
    }

    static func userData(_ p: RPCParameters) throws(RPCError) -> String? {
        guard let userData = p.optional("UserData") else { return nil }
        guard let decoded = Data(base64Encoded: userData), decoded.count <= 32 * 1024 else { throw RPCError.invalidParameter("UserData") }
        return String(decoding: decoded, as: UTF8.self)
    }

    func deleteConfiguration(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let id = try call.parameters.required("ScalingConfigurationId")
        try await call.perform(.ess("DeleteScalingConfiguration", write: true)) { try await self.scaling.deleteConfiguration($0, configurationID: id) }
        return []
    }

    // MARK: Rules and scaling

    static func adjustment(_ p: RPCParameters) throws -> ScalingAdjustment {
        let type = try p.required("AdjustmentType")
        guard let value = Int(try p.required("AdjustmentValue")) else { throw RPCError.invalidParameter("AdjustmentValue") }
        let magnitude = try p.optional("MinAdjustmentMagnitude").map { _ in try p.int("MinAdjustmentMagnitude", default: 1, range: 1...1000) }
        return try ScalingAdjustment.parse(type: type, value: value, minimumMagnitude: magnitude)
    }

    func createRule(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let groupID = try p.required("ScalingGroupId")
        if let type = p.optional("ScalingRuleType"), type != "SimpleScalingRule" {
            throw RPCError(status: 400, code: "UnsupportedOperation", message: "Only SimpleScalingRule is supported.")
        }
        let adjustment = try Self.adjustment(p)
        let name = p.optional("ScalingRuleName")
        let cooldown = try p.optional("Cooldown").map { _ in try p.int("Cooldown", default: 0, range: 0...ScalingGroup.cooldownLimit) }
        let rule = try await call.perform(.ess("CreateScalingRule", write: true)) {
            try await self.scaling.createRule($0, groupID: groupID, name: name, adjustment: adjustment, cooldown: cooldown)
        }
        return [("ScalingRuleId", .string(rule.id)), ("ScalingRuleAri", .string(rule.ari))]
    }

    func describeRules(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let ids = try Self.list(call, legacy: "ScalingRuleId", current: "ScalingRuleIds")
        let groupID = p.optional("ScalingGroupId")
        let paging = try Self.paging(p)
        let idFilter = ids.isEmpty ? nil : ids
        let found = try await call.perform(.ess("DescribeScalingRules", write: false)) {
            try await self.scaling.describeRules($0, regionID: call.regionID, groupID: groupID, ids: idFilter)
        }
        let items: [JSONValue] = Self.page(found, paging).map { rule in
            .object([
                ("ScalingRuleId", .string(rule.id)), ("ScalingRuleName", .string(rule.name)), ("ScalingRuleAri", .string(rule.ari)),
                ("ScalingGroupId", .string(rule.groupID)), ("ScalingRuleType", .string("SimpleScalingRule")),
                ("AdjustmentType", .string(rule.adjustment.typeName)), ("AdjustmentValue", .int(rule.adjustment.value)),
                ("Cooldown", rule.cooldown.map(JSONValue.int) ?? .null),
            ])
        }
        return [
            ("TotalCount", .int(found.count)), ("PageNumber", .int(paging.number)), ("PageSize", .int(paging.size)),
            Self.responseList(call, "ScalingRules", "ScalingRule", items),
        ]
    }

    func executeRule(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let ari = try call.parameters.required("ScalingRuleAri")
        let activity = try await call.perform(.ess("ExecuteScalingRule", write: true)) { try await self.scaling.executeRule($0, ari: ari) }
        return [("ScalingActivityId", .string(activity))]
    }

    func scaleWithAdjustment(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let groupID = try p.required("ScalingGroupId")
        let adjustment = try Self.adjustment(p)
        let activity = try await call.perform(.ess("ScaleWithAdjustment", write: true)) { try await self.scaling.scale($0, groupID: groupID, adjustment) }
        return [("ScalingActivityId", .string(activity)), ("ActivityType", .string("CapacityChange"))]
    }

    // MARK: Activities and instances

    func describeActivities(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let ids = try Self.list(call, legacy: "ScalingActivityId", current: "ScalingActivityIds")
        let groupID = p.optional("ScalingGroupId")
        guard groupID != nil || !ids.isEmpty else { throw RPCError.missingParameter("ScalingGroupId") }
        let status = p.optional("StatusCode")
        let paging = try Self.paging(p)
        let idFilter = ids.isEmpty ? nil : ids
        var found = try await call.perform(.ess("DescribeScalingActivities", write: false)) {
            try await self.scaling.describeActivities($0, groupID: groupID, ids: idFilter)
        }
        if let status { found = found.filter { $0.status.rawValue == status } }
        let legacy = Self.isLegacy(call)
        let items: [JSONValue] = Self.page(found, paging).map { a in
            var members: [(String, JSONValue)] = [
                ("ScalingActivityId", .string(a.id)), ("ScalingGroupId", .string(a.groupID)), ("StatusCode", .string(a.status.rawValue)),
                ("Cause", .string(a.cause)), ("Description", .string(a.description)), ("StartTime", .string(Self.time(a.startTime))),
                ("EndTime", .string(a.endTime.map(Self.time) ?? "")), ("Progress", .int(a.progress)), ("StatusMessage", .string(a.statusMessage)),
                // 2022-02-22 types the capacities as strings.
                ("TotalCapacity", legacy ? .int(a.targetCapacity) : .string(String(a.targetCapacity))),
            ]
            if !legacy {
                members.append(("CreatedInstances", .array(a.createdInstances.map(JSONValue.string))))
                members.append(("DestroyedInstances", .array(a.destroyedInstances.map(JSONValue.string))))
            }
            return .object(members)
        }
        return [
            ("TotalCount", .int(found.count)), ("PageNumber", .int(paging.number)), ("PageSize", .int(paging.size)),
            Self.responseList(call, "ScalingActivities", "ScalingActivity", items),
        ]
    }

    func describeInstances(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let ids = try Self.list(call, legacy: "InstanceId", current: "InstanceIds")
        let groupID = p.optional("ScalingGroupId")
        let states = try p.indexedValues("LifecycleStates") + (p.optional("LifecycleState").map { [$0] } ?? [])
        let types = try p.indexedValues("CreationTypes") + (p.optional("CreationType").map { [$0] } ?? [])
        let paging = try Self.paging(p, limit: Self.isLegacy(call) ? 50 : 100)
        let idFilter = ids.isEmpty ? nil : ids
        var found = try await call.perform(.ess("DescribeScalingInstances", write: false)) {
            try await self.scaling.describeMembers($0, groupID: groupID, regionID: call.regionID, instanceIDs: idFilter)
        }
        if !states.isEmpty { found = found.filter { states.contains(Self.lifecycleState($0.member)) } }
        if !types.isEmpty { found = found.filter { types.contains($0.member.creationType.rawValue) } }
        let legacy = Self.isLegacy(call)
        let items: [JSONValue] = Self.page(found, paging).map { m, instance in
            var fields: [(String, JSONValue)] = [
                ("InstanceId", .string(m.instanceID)), ("ScalingGroupId", .string(m.groupID)), ("ScalingConfigurationId", .string(m.configurationID ?? "")),
                ("CreationType", .string(m.creationType.rawValue)), ("LifecycleState", .string(Self.lifecycleState(m))),
                ("HealthStatus", .string(instance?.status == .stopped || instance == nil ? "Unhealthy" : "Healthy")), ("Entrusted", .bool(m.isEntrusted)),
                ("CreatedTime", .string(ECSTime.format(m.creationTime, seconds: true))), ("CreationTime", .string(Self.time(m.creationTime))),
            ]
            if !legacy {
                fields.append(("ScalingActivityId", .string(m.activityID ?? "")))
                fields.append(("PrivateIpAddress", .string(instance?.endpoint?.address ?? "")))
            }
            return .object(fields)
        }
        return [
            ("TotalCount", .int(found.count)), ("PageNumber", .int(paging.number)), ("PageSize", .int(paging.size)),
            Self.responseList(call, "ScalingInstances", "ScalingInstance", items),
        ]
    }

    /// ESS shows a protected member as `Protected`.
    static func lifecycleState(_ member: ScalingMember) -> String {
        member.isProtected && member.state == .inService ? "Protected" : member.state.rawValue
    }

    func removeInstances(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let groupID = try p.required("ScalingGroupId")
        let ids = try Self.list(call, legacy: "InstanceId", current: "InstanceIds")
        guard !ids.isEmpty else { throw RPCError.missingParameter(Self.isLegacy(call) ? "InstanceId.1" : "InstanceIds.1") }
        let decrease = try p.bool("DecreaseDesiredCapacity", default: true)
        let activity = try await call.perform(.ess("RemoveInstances", write: true)) {
            try await self.scaling.removeInstances($0, groupID: groupID, instanceIDs: ids, decreaseDesired: decrease)
        }
        return [("ScalingActivityId", .string(activity))]
    }

    func attachInstances(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let groupID = try call.parameters.required("ScalingGroupId")
        let ids = try Self.list(call, legacy: "InstanceId", current: "InstanceIds")
        guard !ids.isEmpty else { throw RPCError.missingParameter(Self.isLegacy(call) ? "InstanceId.1" : "InstanceIds.1") }
        let activity = try await call.perform(.ess("AttachInstances", write: true)) {
            try await self.scaling.attachInstances($0, groupID: groupID, instanceIDs: ids)
        }
        return [("ScalingActivityId", .string(activity))]
    }

    func detachInstances(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let groupID = try call.parameters.required("ScalingGroupId")
        let ids = try Self.list(call, legacy: "InstanceId", current: "InstanceIds")
        guard !ids.isEmpty else { throw RPCError.missingParameter(Self.isLegacy(call) ? "InstanceId.1" : "InstanceIds.1") }
        let decrease = try call.parameters.bool("DecreaseDesiredCapacity", default: true)
        let activity = try await call.perform(.ess("DetachInstances", write: true)) {
            try await self.scaling.detachInstances($0, groupID: groupID, instanceIDs: ids, decreaseDesired: decrease)
        }
        return [("ScalingActivityId", .string(activity))]
    }

    func setProtection(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let groupID = try p.required("ScalingGroupId")
        let ids = try Self.list(call, legacy: "InstanceId", current: "InstanceIds")
        guard !ids.isEmpty else { throw RPCError.missingParameter(Self.isLegacy(call) ? "InstanceId.1" : "InstanceIds.1") }
        guard let protected = try p.optionalBool("ProtectedFromScaleIn") else { throw RPCError.missingParameter("ProtectedFromScaleIn") }
        try await call.perform(.ess("SetInstancesProtection", write: true)) {
            try await self.scaling.setProtection($0, groupID: groupID, instanceIDs: ids, protected: protected)
        }
        return []
    }
}
