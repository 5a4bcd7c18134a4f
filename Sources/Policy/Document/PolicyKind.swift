/// Which policy a document is, which decides the statement elements it may use.
public enum PolicyKind: Sendable, Equatable {
    /// A policy attached to a user, group or role: `Resource` required, `Principal` forbidden.
    case identity
    /// A session policy passed to AssumeRole: `Resource` required, `Principal` forbidden.
    case session
    /// A Resource Directory control policy: `Resource` required, `Principal` forbidden.
    case control
    /// A role's AssumeRolePolicyDocument: `Principal` required, `Resource` optional.
    case trust

    var isTrust: Bool { self == .trust }
}
