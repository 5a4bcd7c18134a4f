import KeywardCore

/// A resource an operation touches, named relative to the caller's account and region; the gateway makes the ARN.
public enum ResourceName: Sendable, Hashable {
    /// `acs:ecs:{region}:{account}:{path}`, e.g. `keypair/dev-1`, `instance/i-…`.
    case ecs(String)
    /// `acs:ram::{account}:{path}`, e.g. `user/alice`, `policy/ReadOnly` (RAM is global: its ARNs have no region, which a
    /// policy's `acs:ram:*:…` also matches).
    case ram(String)
    /// `acs:ecs:{region}:{account}:{path}` in a given region: a loaded row's own, whatever the request said.
    case ecsIn(region: String, String)
    /// `acs:{service}:*:{account}:{path}` for the other products (`ess`, `sts`, `resourcemanager`, `actiontrail`).
    case service(String, String)
    /// A full ARN, for resources of another account (a role assumed across accounts).
    case arn(String)
    /// The action is authorized on `*` only.
    case all

    func arn(accountID: String, regionID: String) -> String {
        switch self {
        case .ecs(let path): "acs:ecs:\(regionID):\(accountID):\(path)"
        case .ram(let path): "acs:ram::\(accountID):\(path)"
        case .ecsIn(let region, let path): "acs:ecs:\(region):\(accountID):\(path)"
        case .service(let service, let path): "acs:\(service):*:\(accountID):\(path)"
        case .arn(let arn): arn
        case .all: "*"
        }
    }

    /// The (type, name) an audit record lists, nil for `*`.
    var auditResource: AuditEvent.Resource? {
        let path: String
        switch self {
        case .ecs(let p), .ram(let p), .service(_, let p), .ecsIn(_, let p): path = p
        case .arn(let arn): path = String(arn.split(separator: ":", omittingEmptySubsequences: false).last ?? "")
        case .all: return nil
        }
        let parts = path.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[1] != "*" else { return nil }
        return AuditEvent.Resource(type: parts[0], name: parts[1])
    }
}

/// One call as access control sees it: the RAM action, the resources it touches and the request's condition keys.
public struct Operation: Sendable {
    /// `ecs:CreateKeyPair`.
    public let action: String
    public var resources: [ResourceName]
    /// Condition keys the request carries (beyond the common `acs:` keys the gateway adds), normalised: booleans as `true`/`false`.
    public var conditions: [String: [String]]
    /// Whether the call changes anything (ActionTrail's EventRW).
    public let isWrite: Bool
    /// When true, the door lets in a caller that may be allowed on some resource, and the use case decides per resource
    /// with `AuthorizedCall.isAllowed` (a filtered listing) or `require` (once it knows each resource's tags).
    public let filtersResources: Bool
    /// Whether policies decide at all (GetCallerIdentity needs no permission).
    public let needsPermission: Bool
    /// Condition keys (by prefix) the use case learns from rows it loads and checks with `require` before changing anything;
    /// at the door they may hold for some row (e.g. `ecs:Image` for the image a launch uses).
    public var keysKnownLater: [String] = []

    public init(
        _ action: String, resources: [ResourceName] = [.all], conditions: [String: [String]] = [:], isWrite: Bool, filtersResources: Bool = false,
        needsPermission: Bool = true
    ) {
        self.action = action
        self.resources = resources
        self.conditions = conditions
        self.isWrite = isWrite
        self.filtersResources = filtersResources
        self.needsPermission = needsPermission
    }

    /// An action every authenticated caller may do; it is still audited.
    public static func unrestricted(_ action: String) -> Operation {
        Operation(action, isWrite: false, needsPermission: false)
    }

    /// A change every authenticated caller may make to what is its own (its console password); it is audited.
    public static func unrestrictedWrite(_ action: String) -> Operation {
        Operation(action, isWrite: true, needsPermission: false)
    }

    /// A read-only action (Describe, List, Get).
    public static func read(_ action: String, _ resources: [ResourceName] = [.all], filters: Bool = false) -> Operation {
        Operation(action, resources: resources, isWrite: false, filtersResources: filters)
    }

    /// An action that changes something.
    public static func write(_ action: String, _ resources: [ResourceName] = [.all], conditions: [String: [String]] = [:]) -> Operation {
        Operation(action, resources: resources, conditions: conditions, isWrite: true)
    }

    /// A change whose resources the use case authorises one by one, once it has loaded them.
    public static func writeEach(_ action: String, _ resources: [ResourceName]) -> Operation {
        Operation(action, resources: resources, isWrite: true, filtersResources: true)
    }

    /// The condition keys of a resource's tags: `acs:ResourceTag/<key>` and ECS's older `ecs:tag/<key>`.
    public static func tagConditions(_ tags: [Tag]) -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for tag in tags {
            keys["acs:ResourceTag/\(tag.key)"] = [tag.value]
            keys["ecs:tag/\(tag.key)"] = [tag.value]
        }
        return keys
    }

    /// A boolean condition key's value as policies compare it, or nothing when the request did not send it.
    public static func flag(_ value: Bool?) -> [String]? {
        value.map { [$0 ? "true" : "false"] }
    }
}
