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
}
