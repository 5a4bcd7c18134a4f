/// The kinds of access-control entity an error can be about.
public enum AccessEntity: String, Sendable, Hashable {
    case user = "User"
    case group = "Group"
    case role = "Role"
    case policy = "Policy"
    case policyVersion = "Policy.Version"
    case accessKey = "User.AccessKey"
    case loginProfile = "User.LoginProfile"
    case userGroup = "User.Group"
    case userPolicy = "User.Policy"
    case groupPolicy = "Group.Policy"
    case rolePolicy = "Role.Policy"
    case groupUser = "Group.User"
    case policyUser = "Policy.User"
    case policyGroup = "Policy.Group"
    case policyRole = "Policy.Role"
    case defaultPolicyVersion = "Policy.Version.Default"
    case resourceDirectory = "ResourceDirectory"
    case folder = "Folder"
    case account = "Account"
    case controlPolicy = "ControlPolicy"
    case target = "Target"
    case mfaDevice = "User.MFADevice"
}

/// Why access control refused to change something; dialects name each case in their own codes.
public enum AccessError: Error, Sendable, Equatable {
    /// A name or text parameter breaks its character rule.
    case invalidChars(parameter: String)
    /// A name or text parameter is empty or too long.
    case invalidLength(parameter: String)
    case invalidValue(parameter: String, reason: String)
    case notFound(AccessEntity, String)
    case alreadyExists(AccessEntity, String)
    /// `entity` cannot be deleted while `dependent` exists.
    case deleteConflict(AccessEntity)
    case limitExceeded(AccessEntity, limit: Int)
    case malformedPolicyDocument(String)
    case policyDocumentTooLong(limit: Int)
    /// A system policy cannot be changed or deleted.
    case systemPolicyImmutable
    /// A session policy passed to AssumeRole is not a valid policy.
    case malformedSessionPolicy(String)
    case sessionPolicyTooLong(limit: Int)
    /// The operation is not possible in the directory's current state.
    case invalidState(String)
}
