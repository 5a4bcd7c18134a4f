import Foundation
import HTTPTypes
import Hummingbird
import Instances
import NIOCore
import Services

/// The HTTP API the guest agent speaks: register with a one-time token, fetch the desired credentials,
/// report what was applied. Authenticated by `Authorization: Keyward-Agent <instance-id>:<secret>`.
struct AgentEndpoint: Sendable {
    let agents: AgentService

    struct Registration: Codable {
        let token: String
        let hostName: String
        let address: String
    }

    struct Registered: Codable {
        let instanceId: String
        let secret: String
    }

    struct Desired: Codable {
        let generation: Int
        let credentials: DesiredCredentials
    }

    func register(on router: Router<PeerRequestContext>) {
        let group = router.group("agent/v1")
        group.post("register") { request, context -> Response in
            let body = try await request.decode(as: Registration.self, context: context)
            do {
                let joined = try await agents.register(token: body.token, hostName: body.hostName, address: body.address)
                return try Self.json(Registered(instanceId: joined.instanceID, secret: joined.secret))
            } catch AgentService.AgentError.invalidRegistrationToken {
                throw HTTPError(.forbidden, message: "The registration token is unknown, used or expired.")
            }
        }
        group.get("desired") { request, _ -> Response in
            let (id, secret) = try Self.credentials(request)
            let desired = try await Self.guarded { try await agents.desired(instanceID: id, secret: secret) }
            return try Self.json(Desired(generation: desired.generation, credentials: desired.credentials))
        }
        group.post("applied") { request, context -> Response in
            let (id, secret) = try Self.credentials(request)
            let body = try await request.decode(as: Desired.self, context: context)
            try await Self.guarded { try await agents.applied(instanceID: id, secret: secret, generation: body.generation, credentials: body.credentials) }
            return Response(status: .noContent)
        }
    }

    static func credentials(_ request: Request) throws -> (String, String) {
        guard let header = request.headers[.authorization], header.hasPrefix("Keyward-Agent "),
              case let parts = header.dropFirst("Keyward-Agent ".count).split(separator: ":", maxSplits: 1), parts.count == 2
        else { throw HTTPError(.unauthorized) }
        return (String(parts[0]), String(parts[1]))
    }

    static func guarded<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch AgentService.AgentError.unauthorized {
            throw HTTPError(.unauthorized)
        }
    }

    static func json(_ value: some Encodable) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
    }
}
