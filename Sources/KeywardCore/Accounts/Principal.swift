/// Who is calling: an account, and the user within it (nil for the account's root identity).
public struct Principal: Sendable, Hashable {
    public let accountID: String
    public let userName: String?
    public let accessKeyID: String

    public init(accountID: String, userName: String?, accessKeyID: String) {
        self.accountID = accountID
        self.userName = userName
        self.accessKeyID = accessKeyID
    }

    public var isRoot: Bool { userName == nil }
}
