import Foundation

/// An organisation: the management account, its folder tree and the member accounts in it.
public struct ResourceDirectory: Sendable, Hashable {
    public let id: String
    public let managementAccountID: String
    public let rootFolderID: String
    public var controlPoliciesEnabled: Bool
    public let createdAt: Date

    public init(id: String, managementAccountID: String, rootFolderID: String, controlPoliciesEnabled: Bool, createdAt: Date) {
        self.id = id
        self.managementAccountID = managementAccountID
        self.rootFolderID = rootFolderID
        self.controlPoliciesEnabled = controlPoliciesEnabled
        self.createdAt = createdAt
    }

    /// The role every member account trusts the management account to assume.
    public static let memberAccessRoleName = "ResourceDirectoryAccountAccessRole"
    /// The system control policy that allows everything, attached everywhere once control policies are on.
    public static let fullAccessPolicyID = "cp-FullAliyunAccess"
    public static let fullAccessPolicyName = "FullAliyunAccess"
    /// The longest control policy document, in characters.
    public static let controlPolicyDocumentLimit = 4096
}

/// A folder of the directory's tree; the root folder has no parent.
public struct DirectoryFolder: Sendable, Hashable {
    public let id: String
    public var name: String
    public let parentID: String?
    public let createdAt: Date

    public init(id: String, name: String, parentID: String?, createdAt: Date) {
        self.id = id
        self.name = name
        self.parentID = parentID
        self.createdAt = createdAt
    }
}

/// An account in the directory: the management account or a member created in it.
public struct MemberAccount: Sendable, Hashable {
    public let id: String
    public var displayName: String
    public var folderID: String
    public let joinMethod: String
    public let type: String
    public let joinedAt: Date

    public init(id: String, displayName: String, folderID: String, joinMethod: String, type: String, joinedAt: Date) {
        self.id = id
        self.displayName = displayName
        self.folderID = folderID
        self.joinMethod = joinMethod
        self.type = type
        self.joinedAt = joinedAt
    }
}

/// A control policy: a boundary for the RAM identities of the accounts below where it is attached.
public struct ControlPolicy: Sendable, Hashable {
    public let id: String
    public var name: String
    public let origin: PolicyOrigin
    public var description: String
    public var document: String
    /// `RAM` (binds RAM users and roles) or `All`.
    public let effectScope: String
    public var attachmentCount: Int
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, name: String, origin: PolicyOrigin, description: String, document: String, effectScope: String, attachmentCount: Int,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.origin = origin
        self.description = description
        self.document = document
        self.effectScope = effectScope
        self.attachmentCount = attachmentCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
