import KeywardCore

/// The door refused a call: who asked for what, and which kind of policy said no.
public struct AccessDenied: Error, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case implicitDeny = "ImplicitDeny"
        case explicitDeny = "ExplicitDeny"
    }

    public let action: String
    /// `SubUser`, `AssumedRoleUser` or `Account`.
    public let principalType: String
    public let principalOwnerID: String
    public let principalDisplayName: String
    public let kind: Kind
    /// `AccountLevelIdentityBasedPolicy`, `ControlPolicy`, `SessionPolicy` or `AssumeRolePolicy`.
    public let policyType: String

    public init(action: String, principal: Principal, kind: Kind, policyType: String) {
        self.action = action
        switch principal.identity {
        case .root: principalType = "Account"
        case .user: principalType = "SubUser"
        case .roleSession: principalType = "AssumedRoleUser"
        }
        self.principalOwnerID = principal.accountID
        self.principalDisplayName = principal.displayName
        self.kind = kind
        self.policyType = policyType
    }
}
