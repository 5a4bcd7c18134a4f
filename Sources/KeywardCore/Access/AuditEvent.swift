import Foundation

/// One call that passed the access door, as the audit trail records it. Never carries a secret.
public struct AuditEvent: Sendable, Hashable {
    public struct Resource: Sendable, Hashable {
        public let type: String
        public let name: String

        public init(type: String, name: String) {
            self.type = type
            self.name = name
        }
    }

    public let id: String
    public let time: Date
    public let accountID: String
    /// `root`, `user` or `role-session`.
    public let principalType: String
    public let principalName: String
    public let principalID: String
    public let accessKeyID: String
    public let sourceIP: String
    /// The RAM action, e.g. `ecs:CreateKeyPair`.
    public let action: String
    public let regionID: String
    public let apiVersion: String
    public let requestID: String
    public let resources: [Resource]
    /// Nil when the call succeeded.
    public let errorCode: String?
    public let errorMessage: String?
    /// What a credential change changed, in words and ids only.
    public let details: [String: String]
    public let isWrite: Bool

    public init(
        id: String, time: Date, accountID: String, principalType: String, principalName: String, principalID: String, accessKeyID: String,
        sourceIP: String, action: String, regionID: String, apiVersion: String, requestID: String, resources: [Resource], errorCode: String?,
        errorMessage: String?, details: [String: String], isWrite: Bool
    ) {
        self.id = id
        self.time = time
        self.accountID = accountID
        self.principalType = principalType
        self.principalName = principalName
        self.principalID = principalID
        self.accessKeyID = accessKeyID
        self.sourceIP = sourceIP
        self.action = action
        self.regionID = regionID
        self.apiVersion = apiVersion
        self.requestID = requestID
        self.resources = resources
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.details = details
        self.isWrite = isWrite
    }

    /// The service part of the action (`ecs`).
    public var service: String { String(action.prefix { $0 != ":" }) }
    /// The action without its service (`CreateKeyPair`).
    public var eventName: String { action.split(separator: ":", maxSplits: 1).last.map(String.init) ?? action }
}

/// What a LookupEvents query asks for.
public struct AuditQuery: Sendable {
    public enum Attribute: Sendable, Hashable {
        case eventName(String)
        case resourceName(String)
        case resourceType(String)
        case userName(String)
        case accessKeyID(String)
        case serviceName(String)
        case eventRW(isWrite: Bool)
        case eventID(String)
    }

    public var accountID: String
    public var start: Date
    public var end: Date
    public var attributes: [Attribute]
    /// Continue after this event (its time and id, as the previous page ended).
    public var after: (time: Date, id: String)?
    public var limit: Int
    /// Oldest first; newest first otherwise.
    public var forward: Bool

    public init(
        accountID: String, start: Date, end: Date, attributes: [Attribute], after: (time: Date, id: String)?, limit: Int, forward: Bool = false
    ) {
        self.accountID = accountID
        self.start = start
        self.end = end
        self.attributes = attributes
        self.after = after
        self.limit = limit
        self.forward = forward
    }
}
