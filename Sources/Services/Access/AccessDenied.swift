import KeywardCore

/// The door refused a call: who asked for what, and which kind of policy said no.
public struct AccessDenied: Error, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case implicitDeny = "ImplicitDeny"
        case explicitDeny = "ExplicitDeny"
    }

    public let action: String
    /// Who was refused.
    public let principal: Principal
    public let kind: Kind
    /// `AccountLevelIdentityBasedPolicy`, `ControlPolicy`, `SessionPolicy` or `AssumeRolePolicy` (the policy language's names).
    public let policyType: String

    public init(action: String, principal: Principal, kind: Kind, policyType: String) {
        self.action = action
        self.principal = principal
        self.kind = kind
        self.policyType = policyType
    }
}
