import Foundation

/// An AccessKey: the id a caller signs with, and the account and user it belongs to.
/// The secret is not part of the domain value; the store keeps it sealed.
public struct AccessKey: Sendable, Hashable {
    public enum Status: String, Sendable {
        case active = "Active"
        case inactive = "Inactive"
    }

    public let id: String
    public let accountID: String
    /// The RAM user that owns the key; nil for the account's root identity.
    public let userName: String?
    public var status: Status
    public var createdAt: Date

    public init(id: String, accountID: String, userName: String?, status: Status, createdAt: Date = Date(timeIntervalSince1970: 0)) {
        self.id = id
        self.accountID = accountID
        self.userName = userName
        self.status = status
        self.createdAt = createdAt
    }

    /// AccessKeys per RAM user, as RAM allows.
    public static let limitPerUser = 2
}
