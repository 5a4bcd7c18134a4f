/// What a request asks for, as policies see it.
public struct RequestContext: Sendable, Equatable {
    /// The action, e.g. `ecs:CreateKeyPair`.
    public var action: String
    /// The full ARNs touched, e.g. `acs:ecs:cn-hangzhou:1000000000000001:keypair/dev-1`; empty means `["*"]`.
    public var resources: [String]
    /// Condition keys and their values, e.g. `acs:SourceIp: ["127.0.0.1"]`; names compare case-insensitively.
    public var conditionKeys: [String: [String]]

    public init(action: String, resources: [String] = [], conditionKeys: [String: [String]] = [:]) {
        self.action = action
        self.resources = resources
        self.conditionKeys = conditionKeys
    }

    /// The resources to check, `["*"]` for an action on no particular resource.
    var effectiveResources: [String] { resources.isEmpty ? ["*"] : resources }

    /// Every value the request gives for `key`, whatever the case of the key's name.
    func values(forConditionKey key: String) -> [String] {
        if let exact = conditionKeys[key] { return exact }
        let lowered = key.lowercased()
        return conditionKeys.filter { $0.key.lowercased() == lowered }.flatMap(\.value)
    }
}
