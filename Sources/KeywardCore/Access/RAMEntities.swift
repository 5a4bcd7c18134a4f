import Foundation

/// A RAM user of an account.
public struct RAMUser: Sendable, Hashable {
    public let id: String
    public var name: String
    public var displayName: String
    public var comments: String
    public var email: String
    public var mobilePhone: String
    public let createdAt: Date
    public var updatedAt: Date
    public var lastLoginAt: Date?

    public init(
        id: String, name: String, displayName: String, comments: String = "", email: String = "", mobilePhone: String = "",
        createdAt: Date, updatedAt: Date, lastLoginAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.displayName = displayName
        self.comments = comments
        self.email = email
        self.mobilePhone = mobilePhone
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastLoginAt = lastLoginAt
    }
}

/// A RAM user group.
public struct RAMGroup: Sendable, Hashable {
    public let id: String
    public var name: String
    public var comments: String
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: String, name: String, comments: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.comments = comments
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A RAM role: who may assume it (its trust policy) and for how long.
public struct RAMRole: Sendable, Hashable {
    public let id: String
    public let accountID: String
    public var name: String
    public var description: String
    public var trustPolicy: String
    public var maxSessionDuration: Int
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, accountID: String, name: String, description: String, trustPolicy: String, maxSessionDuration: Int, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.description = description
        self.trustPolicy = trustPolicy
        self.maxSessionDuration = maxSessionDuration
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var arn: String { "acs:ram::\(accountID):role/\(name)" }

    public static let sessionDurationRange = 3600...43200
    public static let defaultMaxSessionDuration = 3600
}

/// Whether a policy is one of the built-in system policies or the account's own.
public enum PolicyOrigin: String, Sendable, Hashable, CaseIterable {
    case system = "System"
    case custom = "Custom"
}

/// A managed policy: a name, its versions, and the one in force.
public struct ManagedPolicy: Sendable, Hashable {
    public let name: String
    public let origin: PolicyOrigin
    public var description: String
    public var defaultVersion: String
    public var attachmentCount: Int
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        name: String, origin: PolicyOrigin, description: String, defaultVersion: String, attachmentCount: Int, createdAt: Date, updatedAt: Date
    ) {
        self.name = name
        self.origin = origin
        self.description = description
        self.defaultVersion = defaultVersion
        self.attachmentCount = attachmentCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Versions a custom policy may keep.
    public static let versionLimit = 5
    /// The longest document RAM stores, in characters.
    public static let documentLimit = 6144
}

/// One version of a managed policy's document.
public struct PolicyVersion: Sendable, Hashable {
    public let id: String
    public let document: String
    public let createdAt: Date
    public var isDefault: Bool

    public init(id: String, document: String, createdAt: Date, isDefault: Bool) {
        self.id = id
        self.document = document
        self.createdAt = createdAt
        self.isDefault = isDefault
    }
}

/// Who a policy can be attached to.
public enum PolicyTarget: Sendable, Hashable {
    case user(String)
    case group(String)
    case role(String)

    public var kind: String {
        switch self {
        case .user: "User"
        case .group: "Group"
        case .role: "Role"
        }
    }

    public var name: String {
        switch self {
        case .user(let name), .group(let name), .role(let name): name
        }
    }

    /// What an error about one of its attachments is about.
    public var attachmentEntity: AccessEntity {
        switch self {
        case .user: .userPolicy
        case .group: .groupPolicy
        case .role: .rolePolicy
        }
    }
}

/// A policy attached to a user, group or role.
public struct PolicyAttachment: Sendable, Hashable {
    public let policyName: String
    public let origin: PolicyOrigin
    public let target: PolicyTarget
    public let attachedAt: Date

    public init(policyName: String, origin: PolicyOrigin, target: PolicyTarget, attachedAt: Date) {
        self.policyName = policyName
        self.origin = origin
        self.target = target
        self.attachedAt = attachedAt
    }
}

/// A RAM user's console password (as a hash) and what the console asks of it.
public struct LoginProfile: Sendable, Hashable {
    /// RAM's default rule for console passwords (root's too): 8 to 32 characters.
    public static let passwordLengths = 8...32

    public let userName: String
    public var passwordHash: String
    public var passwordResetRequired: Bool
    public var mfaBindRequired: Bool
    public let createdAt: Date
    public var updatedAt: Date

    public init(userName: String, passwordHash: String, passwordResetRequired: Bool, mfaBindRequired: Bool, createdAt: Date, updatedAt: Date) {
        self.userName = userName
        self.passwordHash = passwordHash
        self.passwordResetRequired = passwordResetRequired
        self.mfaBindRequired = mfaBindRequired
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The counts RAM caps per account or per entity.
public enum RAMLimits {
    public static let usersPerAccount = 1000
    public static let groupsPerAccount = 50
    public static let rolesPerAccount = 1000
    public static let groupsPerUser = 5
    public static let customPoliciesPerAccount = 1500
    public static let systemPoliciesPerTarget = 20
    public static let customPoliciesPerUser = 10
    public static let customPoliciesPerGroupOrRole = 5
}
