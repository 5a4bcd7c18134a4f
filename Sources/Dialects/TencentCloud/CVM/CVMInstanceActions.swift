import Crypto
import Foundation
import KeywardCore
import Services

/// CVM 2017-03-12 instance actions over the same instances ECS sees: launch, describe, power, key binding, passwords.
/// Tencent's instance work is asynchronous; here each call returns once the work is done, and other callers meanwhile
/// see `LatestOperationState` `OPERATING`.
public struct CVMInstanceActions: Sendable {
    let instances: InstanceService
    let images: ImageService

    public init(instances: InstanceService, images: ImageService) {
        self.instances = instances
        self.images = images
    }

    public func register(into handlers: inout [String: TencentHandler]) {
        handlers["RunInstances"] = { try await self.run($0) }
        handlers["DescribeInstances"] = { try await self.describe($0) }
        handlers["StartInstances"] = { try await self.power($0, action: "ecs:StartInstances", .start) { try await self.instances.start($0, instanceID: $1) } }
        handlers["StopInstances"] = { call in
            try Self.checkStopOptions(call.parameters)
            return try await self.power(call, action: "ecs:StopInstances", .stop) { try await self.instances.stop($0, instanceID: $1) }
        }
        handlers["RebootInstances"] = { call in
            try Self.checkStopOptions(call.parameters)
            return try await self.power(call, action: "ecs:RebootInstances", .reboot) { try await self.instances.reboot($0, instanceID: $1) }
        }
        handlers["TerminateInstances"] = { call in
            try await self.power(call, action: "ecs:DeleteInstances", .forceDelete) { try await self.instances.delete($0, instanceID: $1, force: true) }
        }
        handlers["AssociateInstancesKeyPairs"] = { try await self.keyBinding($0, bind: true) }
        handlers["DisassociateInstancesKeyPairs"] = { try await self.keyBinding($0, bind: false) }
        handlers["ResetInstancesPassword"] = { try await self.resetPassword($0) }
    }

    /// Instance and key ids per request.
    static let batchLimit = 100

    // MARK: RunInstances

    func run(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        guard let placement = try p.optionalObject("Placement") else { throw TencentError.missingParameter("Placement.Zone") }
        let zone = try placement.string("Zone")
        let imageShortID = try TencentProfile.IDFormat.image.shortID(try p.string("ImageId"))
        let typeName = try p.string("InstanceType")
        guard CVMInstanceType.named(typeName) != nil else {
            throw TencentError("InvalidParameterValue.InstanceTypeNotFound", "The instance type `\(typeName)` does not exist; DescribeInstanceTypeConfigs lists them.")
        }
        if let charge = try p.optionalString("InstanceChargeType"), !["POSTPAID_BY_HOUR", "PREPAID", "SPOTPAID"].contains(charge) {
            throw TencentError.invalidParameterValue("InstanceChargeType", "must be POSTPAID_BY_HOUR, PREPAID or SPOTPAID")
        }
        var request = InstanceService.LaunchRequest(regionID: region, imageID: "", instanceType: typeName)
        request.zoneID = zone
        request.amount = try p.optionalInt("InstanceCount") ?? 1
        guard (1...InstanceService.amountLimit).contains(request.amount) else {
            throw TencentError.invalidParameterValue("InstanceCount", "must be 1 to \(InstanceService.amountLimit)")
        }
        request.instanceName = try p.optionalString("InstanceName")
        request.nameRule = .anyCharacters(maxLength: 128)
        request.hostName = try p.optionalString("HostName")
        if let userData = try p.optionalString("UserData") {
            guard let decoded = Data(base64Encoded: userData), decoded.count <= 16 * 1024 else {
                throw TencentError.invalidParameterValue("UserData", "must be base64 of at most 16 KB")
            }
            request.userData = String(decoding: decoded, as: UTF8.self)
        }
        let login = try p.optionalObject("LoginSettings")
        let password = try login?.optionalString("Password")
        let keyIDs = try login?.optionalStrings("KeyIds")
        let keepImageLogin = try login?.optionalBool("KeepImageLogin")
        if password != nil, keyIDs != nil {
            throw TencentError("InvalidParameterCombination", "`LoginSettings.Password` and `LoginSettings.KeyIds` cannot be given together.")
        }
        if keepImageLogin == true, password != nil || keyIDs != nil {
            throw TencentError("InvalidParameterCombination", "`LoginSettings.KeepImageLogin` cannot be given with a password or keys.")
        }
        if let keyIDs {
            guard !keyIDs.isEmpty, keyIDs.count <= Self.batchLimit else { throw TencentError.invalidParameterValue("LoginSettings.KeyIds", "takes 1 to 100 key ids") }
            request.keyPairs = .shortIDs(try TencentProfile.IDFormat.keyPair.shortIDs(keyIDs))
        }
        request.password = password
        request.passwordPolicy = TencentProfile.launchPasswordPolicy(for:)
        request.passwordInherit = keepImageLogin ?? false
        request.unknownPasswordWhenNoLogin = true
        request.failOnBootFailure = false
        request.dryRun = try p.optionalBool("DryRun") ?? false
        request.clientToken = try p.optionalString("ClientToken")
        let operation = Operation.launch(start: true, instanceType: typeName, passwordInherit: keepImageLogin, passwordCustomized: password != nil)
        let prepared = request
        let ids = try await call.perform(operation) { authorized in
            var launch = prepared
            launch.imageID = try await CVMImageActions.resolve(imageShortID, images: self.images, authorized, region: region)
            do {
                let ids = try await self.instances.launch(authorized, launch)
                if launch.dryRun { throw TencentError.dryRun }
                return ids
            } catch DomainError.windowsInstanceKeyPair {
                throw TencentError("UnsupportedOperation.KeyPairUnsupportedWindows", "Windows instances do not support key pairs.")
            } catch DomainError.keyPairIDNotFound(let id) {
                throw TencentError("InvalidParameterValue.KeyPairNotFound", "The key `\(TencentProfile.keyIDPrefix)\(id)` does not exist.")
            } catch DomainError.imageHasNoPresetPassword {
                throw TencentError(
                    "InvalidParameterValue", "The image `\(TencentProfile.imageID(launch.imageID))` has no login settings to keep: KeepImageLogin needs a custom image."
                )
            }
        }
        return [("InstanceIdSet", .array(ids.map { .string(TencentProfile.instanceID($0)) }))]
    }

    // MARK: DescribeInstances

    func describe(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        let ids = try p.optionalStrings("InstanceIds")
        if let ids, ids.count > Self.batchLimit { throw TencentError("InvalidParameterValue.LimitExceeded", "At most 100 InstanceIds.") }
        let filters = try p.limitedFilters()
        if ids != nil, !filters.isEmpty { throw TencentError("InvalidParameter", "`InstanceIds` and `Filters` cannot be given together.") }
        let (offset, limit) = try p.page()
        var query = InstanceQuery(accountID: call.context.principal.accountID, regionID: region)
        if let ids { query.shortIDs = try TencentProfile.IDFormat.instance.shortIDs(ids) }
        for (name, values) in filters {
            switch name {
            case "instance-id": query.shortIDs = Self.intersect(query.shortIDs, try TencentProfile.IDFormat.instance.shortIDs(values))
            case "instance-name": query.names = Self.intersect(query.names, values)
            case "private-ip-address": query.privateAddresses = Self.intersect(query.privateAddresses, values)
            case "zone": query.zoneIDs = Self.intersect(query.zoneIDs, values)
            case "instance-state":
                let statuses = try values.map { value throws(TencentError) in
                    guard let statuses = TencentProfile.statuses(named: value) else {
                        throw TencentError.invalidParameterValue("Filters.instance-state", "`\(value)` is not an instance state")
                    }
                    return statuses
                }
                let union = statuses.reduce(into: Set<InstanceStatus>()) { $0.formUnion($1) }
                query.statuses = query.statuses.map { $0.intersection(union) } ?? union
            case "project-id":
                // Every instance is in the default project.
                if !values.contains("0") { query.shortIDs = [] }
            default:
                throw TencentError("InvalidFilter", "The filter `\(name)` is not supported.")
            }
        }
        let scoped = query
        let (page, imageList) = try await call.perform(.describeInstances) { authorized in
            let page = try await self.instances.describe(authorized, query: scoped, page: PageRequest(offset: offset, size: limit))
            let images = try await self.images.describe(authorized, regionID: region, ids: Array(Set(page.items.map(\.imageID))), ownerAlias: nil)
            return (page, images)
        }
        let imagesByID = Dictionary(imageList.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return [
            ("TotalCount", .int(page.totalCount)),
            ("InstanceSet", .array(page.items.map { Self.render($0, image: imagesByID[$0.imageID]) })),
        ]
    }

    static func render(_ instance: Instance, image: Image?) -> JSONValue {
        let type = CVMInstanceType.named(instance.instanceType)
        let operation = instance.latestOperation
        return .object([
            ("InstanceId", .string(TencentProfile.instanceID(instance.id))),
            ("InstanceName", .string(instance.name)),
            ("InstanceType", .string(instance.instanceType)),
            ("InstanceState", .string(TencentProfile.state(instance))),
            ("InstanceChargeType", .string("POSTPAID_BY_HOUR")),
            ("CPU", .int(type?.cpu ?? 1)),
            ("Memory", .int(type?.memory ?? 1)),
            ("Placement", .object([("Zone", .string(instance.zoneID ?? "")), ("ProjectId", .int(0))])),
            ("ImageId", .string(TencentProfile.imageID(instance.imageID))),
            ("OsName", .string(image?.osName ?? "")),
            ("PrivateIpAddresses", .array(instance.endpoint.map { [.string($0.address)] } ?? [])),
            ("PublicIpAddresses", .array([])),
            // Only the bound keys: a password is never shown.
            ("LoginSettings", .object([("KeyIds", .array(instance.bound.keyPairs.compactMap(\.keyPairID).map { .string(TencentProfile.keyIDPrefix + ResourceID.shortID(of: $0)) }))])),
            ("DefaultLoginUser", .string("root")),
            ("DefaultLoginPort", .int(instance.endpoint?.port ?? 22)),
            ("CreatedTime", .string(TencentProfile.time(instance.creationTime))),
            ("ExpiredTime", .null),
            ("Uuid", .string(uuid(of: instance.id))),
            ("LatestOperation", operation.map { .string(TencentProfile.operationName($0.kind)) } ?? .null),
            ("LatestOperationState", operation.map { .string($0.state.rawValue.uppercased()) } ?? .null),
            ("LatestOperationRequestId", operation.map { .string($0.requestID) } ?? .null),
            ("LatestOperationErrorMsg", operation?.errorMessage.map(JSONValue.string) ?? .null),
            ("RestrictState", .string("NORMAL")),
            ("StopChargingMode", .string("NOT_APPLICABLE")),
            ("Tags", .array([])),
        ])
    }

    /// A stable UUID for the instance, derived from its id.
    static func uuid(of id: String) -> String {
        var bytes = Array(SHA256.hash(data: Data(id.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                           bytes[12], bytes[13], bytes[14], bytes[15])).uuidString.lowercased()
    }

    // MARK: Power

    /// Start, Stop, Reboot, Terminate: every instance is checked before any is acted on.
    func power(
        _ call: TencentCall, action: String, _ operation: InstanceRules.Operation,
        _ act: @escaping @Sendable (AuthorizedCall, String) async throws -> Void
    ) async throws -> [(String, JSONValue)] {
        let region = try call.requiredRegion()
        let given = try Self.instanceIDs(call.parameters)
        try await call.perform(.writeEach(action, [])) { authorized in
            let ids = try await self.resolve(given, authorized, region: region)
            for id in ids {
                try await self.instances.check(authorized, instanceID: id, operation)
                authorized.noteResource(.ecsIn(region: region, "instance/\(id)"))
            }
            try await ids.concurrentForEach(width: InstanceService.batchWidth) { id in try await act(authorized, id) }
        }
        return []
    }

    /// `StopType` and the deprecated flags, checked and accepted: a sandbox stops the one way it can.
    static func checkStopOptions(_ p: TencentParameters) throws(TencentError) {
        if let type = try p.optionalString("StopType"), !["SOFT", "HARD", "SOFT_FIRST"].contains(type) {
            throw TencentError.invalidParameterValue("StopType", "must be SOFT, HARD or SOFT_FIRST")
        }
        if let mode = try p.optionalString("StoppedMode"), !["KEEP_CHARGING", "STOP_CHARGING"].contains(mode) {
            throw TencentError.invalidParameterValue("StoppedMode", "must be KEEP_CHARGING or STOP_CHARGING")
        }
        _ = try p.optionalBool("ForceStop")
        _ = try p.optionalBool("ForceReboot")
    }

    // MARK: Credentials

    func keyBinding(_ call: TencentCall, bind: Bool) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        let given = try Self.instanceIDs(p)
        guard let keys = try p.optionalStrings("KeyIds"), !keys.isEmpty else { throw TencentError.missingParameter("KeyIds") }
        guard keys.count <= Self.batchLimit else { throw TencentError("InvalidParameterValue.LimitExceeded", "At most 100 KeyIds.") }
        let keyIDs = try TencentProfile.IDFormat.keyPair.shortIDs(keys)
        let whenRunning: RunningInstanceChange = try p.optionalBool("ForceStop") == true ? .restart : .refuse
        try await call.perform(.writeEach(bind ? "ecs:AttachKeyPair" : "ecs:DetachKeyPair", [])) { authorized in
            let ids = try await self.resolve(given, authorized, region: region)
            if bind {
                try await self.instances.bindKeyPairs(authorized, regionID: region, instanceIDs: ids, keyPairs: .shortIDs(keyIDs), whenRunning: whenRunning)
            } else {
                try await self.instances.unbindKeyPairs(authorized, regionID: region, instanceIDs: ids, keyPairShortIDs: keyIDs, whenRunning: whenRunning)
            }
        }
        return []
    }

    func resetPassword(_ call: TencentCall) async throws -> [(String, JSONValue)] {
        let p = call.parameters
        let region = try call.requiredRegion()
        let given = try Self.instanceIDs(p)
        let password = try p.string("Password")
        if let user = try p.optionalString("UserName"), user != "root" {
            throw TencentError.invalidParameterValue("UserName", "`\(user)` is not supported: the login user of these images is root")
        }
        let whenRunning: RunningInstanceChange = try p.optionalBool("ForceStop") == true ? .restart : .refuse
        var operation = Operation.writeEach("ecs:ModifyInstanceAttribute", [])
        operation.conditions["ecs:PasswordCustomized"] = ["true"]
        try await call.perform(operation) { authorized in
            let ids = try await self.resolve(given, authorized, region: region)
            try await self.instances.resetPassword(
                authorized, regionID: region, instanceIDs: ids, password: password, policy: TencentProfile.resetPasswordPolicy(for:), whenRunning: whenRunning
            )
        }
        return []
    }

    // MARK: Ids and paging

    /// `InstanceIds`: required, at most 100, each well formed.
    static func instanceIDs(_ p: TencentParameters) throws(TencentError) -> [String] {
        guard let ids = try p.optionalStrings("InstanceIds"), !ids.isEmpty else { throw TencentError.missingParameter("InstanceIds") }
        guard ids.count <= batchLimit else { throw TencentError("InvalidParameterValue.LimitExceeded", "At most 100 InstanceIds.") }
        guard Set(ids).count == ids.count else { throw TencentError("InvalidParameterValue.Duplicate", "An instance id is repeated in `InstanceIds`.") }
        _ = try TencentProfile.IDFormat.instance.shortIDs(ids)
        return ids
    }

    func resolve(_ given: [String], _ call: AuthorizedCall, region: String) async throws -> [String] {
        try await Self.resolve(given, instances: instances, call, region: region)
    }

    /// The instances the `ins-` ids name, in order; any unknown id fails the call.
    static func resolve(_ given: [String], instances: InstanceService, _ call: AuthorizedCall, region: String) async throws -> [String] {
        let shorts = try TencentProfile.IDFormat.instance.shortIDs(given)
        let found = try await instances.instanceIDs(call, regionID: region, shortIDs: shorts)
        return try zip(given, shorts).map { id, short throws(TencentError) in
            guard let instanceID = found[short] else { throw TencentError("InvalidInstanceId.NotFound", "The instance `\(id)` does not exist.") }
            return instanceID
        }
    }

    /// Two filters on one field: the values both allow.
    static func intersect(_ current: [String]?, _ values: [String]) -> [String] {
        current.map { $0.filter(values.contains) } ?? values
    }
}
