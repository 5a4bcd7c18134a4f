import Foundation
import KeywardCore
import Services

/// ActionTrail (the audit trail, console actions and sign-ins included) and Auto Scaling's groups.
struct ActivityPages: Sendable {
    let endpoint: ConsoleEndpoint

    func register(_ routes: inout ConsoleRoutes) {
        routes.get("audit") { try await audit($0) }
        routes.get("scaling") { try await scaling($0) }
    }

    private func audit(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let now = Date()
        let (events, _) = try await endpoint.perform(request, AuditService.lookupOperation) {
            try await endpoint.services.audit.lookup($0, start: now.addingTimeInterval(-90 * 86_400), end: now.addingTimeInterval(60), attributes: [],
                                                     nextToken: nil, limit: 200, forward: false)
        }
        return .page(ConsolePage("audit", title: "ActionTrail", section: "ActionTrail", [
            "rows": .list(events.map { event in
                [
                    "time": .text(ConsoleEndpoint.format(event.time)), "user": .text(event.principalName), "type": .text(event.principalType),
                    "action": .text(String(event.action.split(separator: ":").last ?? "")), "service": .text(String(event.action.split(separator: ":").first ?? "")),
                    "resource": .text(event.resources.map { "\($0.type)/\($0.name)" }.joined(separator: " ")), "source": .text(event.sourceIP),
                    "result": .text(event.errorCode ?? "Success"), "failed": .flag(event.errorCode != nil),
                    "via": .text(event.apiVersion == "console" || event.action.hasPrefix("signin:") ? "Console" : "API"),
                ]
            }),
            "empty": .flag(events.isEmpty),
        ]))
    }

    private func scaling(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let groups = try await endpoint.perform(request, .ess("DescribeScalingGroups", write: false)) {
            try await endpoint.services.scaling.describeGroups($0, regionID: request.regionID, ids: nil, names: nil)
        }
        return .page(ConsolePage("scaling", title: "Auto Scaling", section: "Auto Scaling", [
            "rows": .list(groups.map { group, members in
                [
                    "id": .text(group.id), "name": .text(group.name), "state": .text(group.state.rawValue), "min": .text(String(group.minSize)),
                    "max": .text(String(group.maxSize)), "total": .text(String(members.count)),
                    "members": .text(members.map(\.instanceID).joined(separator: " ")),
                ]
            }),
            "empty": .flag(groups.isEmpty),
        ]))
    }
}
