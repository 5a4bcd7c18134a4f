/// Every policy that bears on one caller's request, in RAM's order: control policies, the session policy, identity policies.
public struct PolicySet: Sendable {
    /// One entry per Resource Directory node on the account's path (root folder, folders, the account); each level must allow.
    public var controlLevels: [[PolicyDocument]]
    /// The session policy of a role session, if one was passed to AssumeRole.
    public var sessionPolicy: PolicyDocument?
    /// The user's and its groups' policies, or the role's.
    public var identityPolicies: [PolicyDocument]
    /// A root identity is not subject to identity policies; control levels still bind it.
    public var isRoot: Bool

    public init(
        controlLevels: [[PolicyDocument]] = [],
        sessionPolicy: PolicyDocument? = nil,
        identityPolicies: [PolicyDocument] = [],
        isRoot: Bool = false
    ) {
        self.controlLevels = controlLevels
        self.sessionPolicy = sessionPolicy
        self.identityPolicies = identityPolicies
        self.isRoot = isRoot
    }

    /// The layers that apply, in order, with the type each reports.
    private var layers: [(type: PolicyType, layer: Layer)] {
        var layers = controlLevels.map { (PolicyType.controlPolicy, Layer(documents: $0)) }
        if let sessionPolicy { layers.append((.sessionPolicy, Layer(documents: [sessionPolicy]))) }
        if !isRoot { layers.append((.identityPolicy, Layer(documents: identityPolicies))) }
        return layers
    }

    /// Allow only when every layer allows. Layers are asked in RAM's order (control levels, session policy, identity
    /// policies) and the first that does not allow is final, with its own kind of deny.
    public func evaluate(_ context: RequestContext) -> Decision {
        for (type, layer) in layers {
            switch layer.evaluate(context) {
            case .allow: continue
            case .explicitDeny: return .explicitDeny(type)
            case .implicitDeny: return .implicitDeny(type)
            }
        }
        return .allow
    }

    /// True when every layer has an Allow for the context's action whose conditions hold, on some resource, and no layer
    /// denies it on every resource; used to decide "filter a list" vs "refuse". The context's resources are ignored, and so
    /// are conditions on keys that start with one of `resourceKeyPrefixes` (a resource's tags: they differ per resource).
    public func mayAllowSomeResource(_ context: RequestContext, resourceKeyPrefixes: [String] = []) -> Bool {
        let prefixes = resourceKeyPrefixes.map { $0.lowercased() }
        let isResourceKey: (String) -> Bool = { key in prefixes.contains { key.lowercased().hasPrefix($0) } }
        return layers.allSatisfy { $0.layer.mayAllow(context, isResourceKey: isResourceKey) && !$0.layer.deniesEverywhere(context, isResourceKey: isResourceKey) }
    }

    /// Whether any statement of any layer has a condition on a key starting with `prefix` (case-insensitive).
    public func mentionsConditionKey(prefix: String) -> Bool {
        let prefix = prefix.lowercased()
        return layers.contains { entry in
            entry.layer.documents.contains { document in
                document.statements.contains { statement in statement.conditions.contains { $0.key.lowercased().hasPrefix(prefix) } }
            }
        }
    }
}
