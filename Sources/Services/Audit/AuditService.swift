import Foundation
import KeywardCore
import Store

/// The audit trail: every call that passed the door, looked up as ActionTrail's LookupEvents does.
public struct AuditService: Sendable {
    private let store: any Store

    public init(store: any Store) {
        self.store = store
    }

    public static let lookupOperation = Operation.read("actiontrail:LookupEvents")

    /// One page of events, newest first, and the token for the next page (nil on the last).
    public func lookup(
        _ call: AuthorizedCall, start: Date, end: Date, attributes: [AuditQuery.Attribute], nextToken: String?, limit: Int, forward: Bool
    ) async throws -> (events: [AuditEvent], nextToken: String?) {
        var after: (Date, String)?
        if let nextToken {
            guard let decoded = Self.decode(nextToken) else { throw DomainError.invalidParameter(name: "NextToken", reason: "not a token this service made") }
            after = decoded
        }
        let query = AuditQuery(accountID: call.accountID, start: start, end: end, attributes: attributes, after: after, limit: limit + 1, forward: forward)
        let events = try await store.read { tx in try await tx.auditEvents(matching: query) }
        guard events.count > limit else { return (events, nil) }
        let page = Array(events.prefix(limit))
        return (page, page.last.map(Self.encode))
    }

    private static func encode(_ event: AuditEvent) -> String {
        let millis = Int64((event.time.timeIntervalSince1970 * 1000).rounded())
        return Data("\(millis):\(event.id)".utf8).base64EncodedString()
    }

    private static func decode(_ token: String) -> (Date, String)? {
        guard token.count <= 200, let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let millis = Int64(parts[0]) else { return nil }
        return (Date(timeIntervalSince1970: Double(millis) / 1000), String(parts[1]))
    }
}
