import Foundation
import KeywardCore
import Services

/// ECS 2014-05-26 instance, image and credential actions.
public struct ECSInstanceActions: Sendable {
    let instances: InstanceService
    let images: ImageService

    public init(instances: InstanceService, images: ImageService) {
        self.instances = instances
        self.images = images
    }

    public func register(into routes: inout RPCRoutes) {
        let v = ECSKeyPairActions.version
        routes.add(version: v, action: "RunInstances") { try await self.runInstances($0, start: true) }
        routes.add(version: v, action: "CreateInstance") { try await self.runInstances($0, start: false) }
        routes.add(version: v, action: "DescribeInstances") { try await self.describeInstances($0) }
        routes.add(version: v, action: "DescribeInstanceStatus") { try await self.describeInstanceStatus($0) }
        routes.add(version: v, action: "StartInstance") { call in
            let id = try call.parameters.required("InstanceId")
            try await call.perform(.instanceAction("StartInstance", [id])) { try await self.instances.start($0, instanceID: id) }
            return []
        }
        routes.add(version: v, action: "StopInstance") { call in
            let id = try call.parameters.required("InstanceId")
            try await call.perform(.instanceAction("StopInstance", [id])) { try await self.instances.stop($0, instanceID: id) }
            return []
        }
        routes.add(version: v, action: "RebootInstance") { call in
            let id = try call.parameters.required("InstanceId")
            try await call.perform(.instanceAction("RebootInstance", [id])) { try await self.instances.reboot($0, instanceID: id) }
            return []
        }
        routes.add(version: v, action: "DeleteInstance") { call in
            let p = call.parameters
            let id = try p.required("InstanceId")
            let force = try p.bool("Force", default: false)
            try await call.perform(.instanceAction("DeleteInstance", [id])) { try await self.instances.delete($0, instanceID: id, force: force) }
            return []
        }
        routes.add(version: v, action: "DeleteInstances") { try await self.deleteInstances($0) }
        routes.add(version: v, action: "ModifyInstanceAttribute") { call in
            let p = call.parameters
            let id = try p.required("InstanceId")
            let (name, host, password) = (p.optional("InstanceName"), p.optional("HostName"), p.optional("Password"))
            try await call.perform(.modifyInstanceAttribute(id, passwordCustomized: password != nil)) {
                try await self.instances.modify($0, instanceID: id, name: name, hostName: host, password: password)
            }
            return []
        }
        routes.add(version: v, action: "AttachKeyPair") { try await self.keyPairBinding($0, attach: true) }
        routes.add(version: v, action: "DetachKeyPair") { try await self.keyPairBinding($0, attach: false) }
        routes.add(version: v, action: "ReplaceSystemDisk") { call in
            let p = call.parameters
            let id = try p.required("InstanceId")
            let (image, password, keyPair) = (p.optional("ImageId"), p.optional("Password"), p.optional("KeyPairName"))
            let inherit = try p.optionalBool("PasswordInherit")
            let operation = Operation.replaceSystemDisk(instanceID: id, imageID: image, passwordInherit: inherit, passwordCustomized: password != nil)
            try await call.perform(operation) {
                try await self.instances.replaceSystemDisk(
                    $0, instanceID: id, imageID: image, password: password, keyPairName: keyPair, passwordInherit: inherit ?? false
                )
            }
            return [("DiskId", .string("d-" + id.dropFirst(2)))]
        }
        routes.add(version: v, action: "CreateImage") { call in
            let p = call.parameters
            let instanceID = try p.required("InstanceId")
            let (name, description) = (p.optional("ImageName"), p.optional("Description") ?? "")
            let token = p.optional("ClientToken")
            let id = try await call.perform(.createImage(instanceID: instanceID)) {
                try await self.images.createImage($0, regionID: call.regionID, instanceID: instanceID, name: name, description: description, clientToken: token)
            }
            return [("ImageId", .string(id))]
        }
        routes.add(version: v, action: "DescribeImages") { try await self.describeImages($0) }
        routes.add(version: v, action: "DeleteImage") { call in
            let p = call.parameters
            let id = try p.required("ImageId")
            let force = try p.bool("Force", default: false)
            try await call.perform(.deleteImage(id)) { try await self.images.delete($0, imageID: id, force: force) }
            return []
        }
    }

    // MARK: Launch

    func runInstances(_ call: RPCCall, start: Bool) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        var request = InstanceService.LaunchRequest(
            regionID: call.regionID, imageID: try p.required("ImageId"), instanceType: try p.required("InstanceType")
        )
        guard InstanceRules.isValidInstanceType(request.instanceType) else { throw RPCError.invalidParameter("InstanceType") }
        request.amount = start ? try p.int("Amount", default: 1, range: 1...InstanceService.amountLimit) : 1
        request.instanceName = p.optional("InstanceName")
        request.hostName = p.optional("HostName")
        request.uniqueSuffix = try p.bool("UniqueSuffix", default: false)
        request.keyPairs = p.optional("KeyPairName").map { .names([$0]) }
        request.password = p.optional("Password")
        request.passwordPolicy = AlibabaProfile.launchPasswordPolicy(for:)
        let passwordInherit = try p.optionalBool("PasswordInherit")
        request.passwordInherit = passwordInherit ?? false
        request.start = start
        if let userData = p.optional("UserData") {
            guard let decoded = Data(base64Encoded: userData), decoded.count <= 32 * 1024 else { throw RPCError.invalidParameter("UserData") }
            request.userData = String(decoding: decoded, as: UTF8.self)
        }
        switch p.optional("HttpTokens") {
        case nil, "optional": request.metadataTokensRequired = false
        case "required": request.metadataTokensRequired = true
        default: throw RPCError.invalidParameter("HttpTokens")
        }
        switch p.optional("HttpEndpoint") {
        case nil, "enabled": request.metadataEnabled = true
        case "disabled": request.metadataEnabled = false
        default: throw RPCError.invalidParameter("HttpEndpoint")
        }
        request.dryRun = try p.bool("DryRun", default: false)
        request.clientToken = p.optional("ClientToken")
        let launch = request
        let operation = Operation.launch(
            start: start, instanceType: request.instanceType, passwordInherit: passwordInherit, passwordCustomized: request.password != nil
        )
        let ids = try await call.perform(operation) { authorized in
            // A dry run answers only after the door and every check a launch makes; it creates nothing.
            let ids = try await self.instances.launch(authorized, launch)
            if launch.dryRun { throw RPCError(status: 400, code: "DryRunOperation", message: "Request validation has been passed with DryRun flag set.") }
            return ids
        }
        if start {
            return [("InstanceIdSets", .object([("InstanceIdSet", .array(ids.map(JSONValue.string)))])), ("OrderId", .string("")), ("TradePrice", .int(0))]
        }
        return [("InstanceId", .string(ids[0]))]
    }

    // MARK: Queries

    func describeInstances(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let invalidIDs = AlibabaErrorTable.rpcError(for: .invalidInstanceIDs(reason: "not a JSON array"))
        let ids = try p.jsonStringArray("InstanceIds", malformed: invalidIDs)
        if let ids, ids.count > 100 { throw invalidIDs }
        var status: InstanceStatus?
        if let text = p.optional("Status") {
            guard let value = InstanceStatus(rawValue: text) else { throw RPCError.invalidParameter("Status") }
            status = value
        }
        let size = try p.optional("MaxResults") != nil ? p.int("MaxResults", default: 10, range: 1...100) : p.int("PageSize", default: 10, range: 1...100)
        let number = try p.optional("NextToken").map { token -> Int in
            guard let page = Int(token), (1...1_000_000).contains(page) else { throw RPCError.invalidParameter("NextToken") }
            return page
        } ?? p.int("PageNumber", default: 1, range: 1...1_000_000)
        let query = InstanceQuery(
            accountID: call.context.principal.accountID, regionID: call.regionID, ids: ids, keyPairName: p.optional("KeyPairName"), statuses: status.map { [$0] },
            namePattern: p.optional("InstanceName").map(NamePattern.init), imageID: p.optional("ImageId")
        )
        let (page, tags) = try await call.perform(.describeInstances) { authorized in
            let page = try await self.instances.describe(authorized, query: query, page: PageRequest(number: number, size: size))
            return (page, try await self.instances.tags(authorized, instanceIDs: page.items.map(\.id)))
        }
        let more = number * size < page.totalCount
        return [
            ("PageNumber", .int(number)),
            ("PageSize", .int(size)),
            ("TotalCount", .int(page.totalCount)),
            ("NextToken", .string(more ? String(number + 1) : "")),
            ("Instances", .object([("Instance", .array(page.items.map { Self.render($0, tags: tags[$0.id] ?? []) }))])),
        ]
    }

    static func render(_ instance: Instance, tags: [Tag]) -> JSONValue {
        let address = instance.endpoint?.address
        var members: [(String, JSONValue)] = [
            ("InstanceId", .string(instance.id)),
            ("InstanceName", .string(instance.name)),
            ("HostName", .string(instance.hostName)),
            ("ImageId", .string(instance.imageID)),
            ("InstanceType", .string(instance.instanceType)),
            ("InstanceTypeFamily", .string(instance.instanceType.split(separator: ".").prefix(2).joined(separator: "."))),
            ("IoOptimized", .bool(InstanceRules.supportsKeyPairs(instanceType: instance.instanceType))),
            ("Status", .string(instance.status.rawValue)),
            ("OSType", .string(instance.osType.rawValue)),
            ("KeyPairName", .string(instance.bound.keyPairName ?? "")),
            ("RegionId", .string(instance.regionID)),
            ("ZoneId", .string(instance.placementZoneID)),
            ("InstanceNetworkType", .string("vpc")),
            ("CreationTime", .string(ECSTime.format(instance.creationTime))),
            ("StartTime", .string(instance.startTime.map(ECSTime.format) ?? "")),
            ("VpcAttributes", .object([
                ("PrivateIpAddress", .object([("IpAddress", .array(address.map { [.string($0)] } ?? []))])),
            ])),
            ("MetadataOptions", .object([
                ("HttpEndpoint", .string(instance.metadataEnabled ? "enabled" : "disabled")),
                ("HttpTokens", .string(instance.metadataTokensRequired ? "required" : "optional")),
            ])),
        ]
        members.append(("Tags", .object([("Tag", .array(tags.map { .object([("TagKey", .string($0.key)), ("TagValue", .string($0.value))]) }))])))
        // Beyond ECS: where sshd listens (loopback sandboxes share an address), and the credential state.
        members.append(("SshPort", .int(instance.endpoint?.port ?? 22)))
        members.append(("CredentialsPendingRestart", .bool(instance.hasPendingCredentials && instance.effective != nil)))
        if let failure = instance.startFailure { members.append(("StartFailure", .string(failure))) }
        members.append(("ImagePresetCredentialsRemoved", .object([("Item", .array(instance.firstBootReport.map(JSONValue.string)))])))
        return .object(members)
    }

    func describeInstanceStatus(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let number = try p.int("PageNumber", default: 1, range: 1...1_000_000)
        let size = try p.int("PageSize", default: 10, range: 1...50)
        let ids = try p.indexedValues("InstanceId")
        let query = InstanceQuery(accountID: call.context.principal.accountID, regionID: call.regionID, ids: ids.isEmpty ? nil : ids)
        let page = try await call.perform(.describeInstanceStatus) { try await self.instances.describe($0, query: query, page: PageRequest(number: number, size: size)) }
        let items: [JSONValue] = page.items.map { .object([("InstanceId", .string($0.id)), ("Status", .string($0.status.rawValue))]) }
        return [
            ("PageNumber", .int(number)), ("PageSize", .int(size)), ("TotalCount", .int(page.totalCount)),
            ("InstanceStatuses", .object([("InstanceStatus", .array(items))])),
        ]
    }

    func deleteInstances(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let ids = try p.indexedValues("InstanceId")
        guard !ids.isEmpty else { throw RPCError.missingParameter("InstanceId.1") }
        guard ids.count <= 100 else { throw RPCError.invalidParameter("InstanceId") }
        let force = try p.bool("Force", default: false)
        // The whole batch is checked before anything is deleted, as ECS does.
        try await call.perform(.instanceAction("DeleteInstances", ids)) { authorized in
            for id in ids { try await self.instances.checkDeletable(authorized, instanceID: id, force: force) }
            try await ids.concurrentForEach(width: InstanceService.batchWidth) { id in try await self.instances.delete(authorized, instanceID: id, force: force) }
        }
        return []
    }

    // MARK: Key pairs

    func keyPairBinding(_ call: RPCCall, attach: Bool) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let name = try p.required("KeyPairName")
        let invalid = AlibabaErrorTable.rpcError(for: .invalidInstanceIDs(reason: "not a JSON array"))
        guard let ids = try p.jsonStringArray("InstanceIds", malformed: invalid) else { throw RPCError.missingParameter("InstanceIds") }
        let results = try await call.perform(.keyPairBinding(attach: attach, keyPairName: name, instanceIDs: ids)) { authorized in
            attach
                ? try await self.instances.attachKeyPair(authorized, regionID: call.regionID, keyPairName: name, instanceIDs: ids)
                : try await self.instances.detachKeyPair(authorized, regionID: call.regionID, keyPairName: name, instanceIDs: ids)
        }
        let items: [JSONValue] = results.map { result in
            let error = result.error.map(AlibabaErrorTable.rpcError(for:))
            return .object([
                ("InstanceId", .string(result.instanceID)),
                ("Success", .bool(error == nil)),
                ("Code", .string(error?.code ?? "200")),
                ("Message", .string(error?.message ?? "successful")),
            ])
        }
        return [
            ("KeyPairName", .string(name)),
            ("TotalCount", .int(results.count)),
            ("FailCount", .int(results.filter { $0.error != nil }.count)),
            ("Results", .object([("Result", .array(items))])),
        ]
    }

    // MARK: Images

    func describeImages(_ call: RPCCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let number = try p.int("PageNumber", default: 1, range: 1...1_000_000)
        let size = try p.int("PageSize", default: 10, range: 1...100)
        let ids = p.optional("ImageId").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let owner = p.optional("ImageOwnerAlias")
        var found = try await call.perform(.describeImages) { try await self.images.describe($0, regionID: call.regionID, ids: ids, ownerAlias: owner) }
        if let name = p.optional("ImageName") { found = found.filter { NamePattern(name).matches($0.name) } }
        if let osType = p.optional("OSType") { found = found.filter { $0.osType.rawValue == osType.lowercased() } }
        let pageItems = found.dropFirst((number - 1) * size).prefix(size)
        let items: [JSONValue] = pageItems.map { image in
            .object([
                ("ImageId", .string(image.id)),
                ("ImageName", .string(image.name)),
                ("Description", .string(image.description)),
                ("ImageOwnerAlias", .string(image.ownerAlias)),
                ("OSType", .string(image.osType.rawValue)),
                ("OSName", .string(image.osName)),
                ("Platform", .string(image.platform)),
                ("Architecture", .string("x86_64")),
                ("Status", .string("Available")),
                ("IsSupportCloudinit", .bool(image.osType == .linux)),
                ("IsSupportIoOptimized", .bool(true)),
                ("Size", .int(20)),
                ("CreationTime", .string(ECSTime.format(image.creationTime))),
                ("Usage", .string(image.sourceInstanceID == nil ? "none" : "instance")),
            ])
        }
        return [
            ("RegionId", .string(call.regionID)), ("PageNumber", .int(number)), ("PageSize", .int(size)), ("TotalCount", .int(found.count)),
            ("Images", .object([("Image", .array(items))])),
        ]
    }
}
