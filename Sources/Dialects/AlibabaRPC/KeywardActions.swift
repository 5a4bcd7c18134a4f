import Foundation
import KeywardCore
import Services

/// Keyward's own actions, beyond the vendors' APIs, under their own version.
public struct KeywardActions: Sendable {
    public static let version = "2026-11-01"

    let agents: AgentService

    public init(agents: AgentService) {
        self.agents = agents
    }

    public func register(into routes: inout RPCRoutes) {
        routes.add(version: Self.version, action: "CreateAgentRegistrationToken") { call in
            let p = call.parameters
            let lifetime = try p.int("ValidSeconds", default: 3600, range: 1...Int(AgentService.tokenLifetimeLimit))
            let name = p.optional("InstanceName")
            let grant = try await call.perform(.createAgentRegistrationToken) {
                try await self.agents.createRegistrationToken($0, regionID: call.regionID, instanceName: name, lifetime: TimeInterval(lifetime))
            }
            return [("Token", .string(grant.token)), ("ExpiresAt", .string(ECSTime.format(grant.expiresAt)))]
        }
    }
}
