/// An AccessKey: the id a caller signs with, and the account and user it belongs to.
/// The secret is not part of the domain value; the store keeps it sealed.
public struct AccessKey: Sendable, Hashable {
    public enum Status: String, Sendable {
        case active = "Active"
        case inactive = "Inactive"
    }

    public let id: String
    public let accountID: String
    public let userName: String?
    public let status: Status

    public init(id: String, accountID: String, userName: String?, status: Status) {
        self.id = id
        self.accountID = accountID
        self.userName = userName
        self.status = status
    }

    public var principal: Principal { Principal(accountID: accountID, userName: userName, accessKeyID: id) }
}
