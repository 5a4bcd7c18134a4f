import Foundation
import KeywardCore
import Services

/// ActionTrail 2020-07-06 LookupEvents over the audit trail.
public struct ActionTrailActions: Sendable {
    public static let version = "2020-07-06"

    let audit: AuditService

    public init(audit: AuditService) {
        self.audit = audit
    }

    /// The event window LookupEvents covers when the caller gives none.
    static let defaultWindow: TimeInterval = 7 * 86_400

    public func register(into routes: inout RPCRoutes) {
        let audit = self.audit
        routes.add(version: Self.version, action: "LookupEvents") { call in
            let p = call.parameters
            let now = call.context.time
            let end = try p.optional("EndTime").map { try Self.time($0, parameter: "EndTime") } ?? now
            let start = try p.optional("StartTime").map { try Self.time($0, parameter: "StartTime") } ?? end.addingTimeInterval(-Self.defaultWindow)
            guard start <= end else {
                throw RPCError(status: 400, code: "InvalidParameterCombination", message: "The StartTime must be earlier than the EndTime.")
            }
            let limit = try p.int("MaxResults", default: 20, range: 1...50)
            let forward: Bool
            switch p.optional("Direction")?.uppercased() {
            case nil, "BACKWARD": forward = false
            case "FORWARD": forward = true
            default: throw RPCError(status: 400, code: "InvalidQueryParameter", message: "Direction must be FORWARD or BACKWARD.")
            }
            var attributes: [AuditQuery.Attribute] = []
            for (_, fields) in try p.indexedGroups("LookupAttribute") {
                guard let key = fields["Key"], let value = fields["Value"] else { continue }
                attributes.append(try Self.attribute(key: key, value: value))
            }
            let token = p.optional("NextToken").flatMap { $0.isEmpty ? nil : $0 }
            let filters = attributes
            let (events, next) = try await call.perform(AuditService.lookupOperation) {
                try await audit.lookup($0, start: start, end: end, attributes: filters, nextToken: token, limit: limit, forward: forward)
            }
            var members: [(String, JSONValue)] = [
                ("StartTime", .string(RAMActions.time(start))), ("EndTime", .string(RAMActions.time(end))),
                ("Events", .array(events.map(Self.render))),
            ]
            if let next { members.append(("NextToken", .string(next))) }
            return members
        }
    }

    static func time(_ text: String, parameter: String) throws -> Date {
        guard let seconds = UTCTimestamp.parse(text) else {
            throw RPCError(status: 400, code: "InvalidParameter\(parameter)", message: "The \(parameter) is not a valid UTC time (YYYY-MM-DDThh:mm:ssZ).")
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    static func attribute(key: String, value: String) throws -> AuditQuery.Attribute {
        switch key {
        case "EventName": return .eventName(value)
        case "ResourceName": return .resourceName(value)
        case "ResourceType": return .resourceType(resourceTypes.first { $0.value == value }?.key ?? value)
        case "User", "UserName": return .userName(value)
        case "EventAccessKeyId": return .accessKeyID(value)
        case "ServiceName": return .serviceName(value)
        case "EventId": return .eventID(value)
        case "EventRW":
            guard value == "Read" || value == "Write" else { throw RPCError(status: 400, code: "InvalidQueryParameter", message: "EventRW must be Read or Write.") }
            return .eventRW(isWrite: value == "Write")
        default:
            throw RPCError(status: 400, code: "InvalidQueryParameter", message: "The LookupAttribute key \"\(key)\" is not supported.")
        }
    }

    static let principalTypes = ["root": "root-account", "user": "ram-user", "role-session": "assumed-role"]
    static let serviceNames = ["ecs": "Ecs", "ram": "Ram", "sts": "Sts", "resourcemanager": "ResourceManager", "actiontrail": "Actiontrail"]
    static let resourceTypes = [
        "keypair": "ACS::ECS::KeyPair", "instance": "ACS::ECS::Instance", "image": "ACS::ECS::Image", "disk": "ACS::ECS::Disk",
        "user": "ACS::RAM::User", "group": "ACS::RAM::Group", "role": "ACS::RAM::Role", "policy": "ACS::RAM::Policy",
    ]

    static func render(_ event: AuditEvent) -> JSONValue {
        let service = serviceNames[event.service] ?? event.service.capitalized
        let types = event.resources.map { resourceTypes[$0.type] ?? $0.type }
        var referenced: [(String, JSONValue)] = []
        for type in Set(types).sorted() {
            let names = event.resources.filter { (resourceTypes[$0.type] ?? $0.type) == type }.map { JSONValue.string($0.name) }
            referenced.append((type, .array(names)))
        }
        let type = principalTypes[event.principalType] ?? event.principalType
        var identity: [(String, JSONValue)] = [
            ("type", .string(type)), ("principalId", .string(event.principalID)), ("accountId", .string(event.accountID)),
            ("userName", .string(event.principalName)), ("accessKeyId", .string(event.accessKeyID)),
        ]
        if event.principalType == "role-session" {
            identity.append(("sessionContext", .object([("attributes", .object([("mfaAuthenticated", .string("false"))]))])))
        }
        return .object([
            ("eventId", .string(event.id)),
            ("eventVersion", .string("1")),
            ("eventName", .string(event.eventName)),
            ("eventRW", .string(event.isWrite ? "Write" : "Read")),
            ("eventType", .string("ApiCall")),
            ("eventSource", .string("\(event.service).aliyuncs.com")),
            ("eventTime", .string(RAMActions.time(event.time))),
            ("acsRegion", .string(event.regionID)),
            ("serviceName", .string(service)),
            ("apiVersion", .string(event.apiVersion)),
            ("requestId", .string(event.requestID)),
            ("sourceIpAddress", .string(event.sourceIP)),
            ("userAgent", .string("")),
            ("resourceName", .string(event.resources.map(\.name).joined(separator: ";"))),
            ("resourceType", .string(Array(Set(types)).sorted().joined(separator: ";"))),
            ("referencedResources", .object(referenced)),
            ("errorCode", .string(event.errorCode ?? "")),
            ("errorMessage", .string(event.errorMessage ?? "")),
            ("userIdentity", .object(identity)),
            ("additionalEventData", .object(event.details.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }
}
