import Foundation
import KeywardCore
import Services

/// Configurations, rules and scaling in both versions.
extension ESSActions {
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
}
