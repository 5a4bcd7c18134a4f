/// The policy layer that decided, named as RAM's `AccessDeniedDetail.PolicyType` names it.
public enum PolicyType: String, Sendable, Equatable {
    case controlPolicy = "ControlPolicy"
    case sessionPolicy = "SessionPolicy"
    case identityPolicy = "AccountLevelIdentityBasedPolicy"
    case assumeRolePolicy = "AssumeRolePolicy"
}

/// The outcome of evaluating a request against a ``PolicySet``.
public enum Decision: Sendable, Equatable {
    case allow
    /// A matching `Deny` statement in the named layer.
    case explicitDeny(PolicyType)
    /// No matching `Allow` in the named layer.
    case implicitDeny(PolicyType)
}
