import Foundation
import KeywardCore
import Services

/// Activities and members in both versions.
extension ESSActions {
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
