import Foundation
import KeywardCore
import Logging
import Services

/// The Alibaba Cloud RPC API (ECS now; ESS and RAM join through `RPCRoutes`): decode, authenticate,
/// dispatch on Version + Action, encode the result or the error as the official SDKs parse it.
public struct AlibabaRPCDialect: Sendable {
    private let routes: RPCRoutes
    private let authenticator: RPCAuthenticator
    private let defaultRegionID: String
    private let logger: Logger

    public init(
        routes: RPCRoutes,
        credentials: CredentialService,
        nonces: NonceRegistry,
        defaultRegionID: String,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.routes = routes
        self.authenticator = RPCAuthenticator(credentials: credentials, nonces: nonces, now: now)
        self.defaultRegionID = defaultRegionID
        self.logger = logger
    }

    public func handle(_ message: HTTPRequestMessage) async -> HTTPResponseMessage {
        let requestID = UUID().uuidString
        let hostID = message.header("host") ?? "keyward"
        // Known before decoding, so that even a malformed request is answered in the format asked for.
        let format = ResponseFormat(PercentEncoding.formPairs(message.rawQuery)?.first { $0.name == "Format" }?.value)
        var action = "-"
        // Metrics name only actions that exist and were asked for by a verified caller: anyone can send any Action.
        var routedAction = "-"
        var accessKeyID = "-"
        do {
            guard message.body.count <= RPCRequest.bodyLimit else {
                throw RPCError(status: 413, code: "InvalidParameter", message: "The request body is too large.")
            }
            let request = try RPCRequest.decode(message)
            action = request.action
            let principal = try await authenticator.authenticate(request, message: message)
            accessKeyID = principal.accessKeyID
            let handler = try routes.handler(version: request.version, action: request.action)
            routedAction = request.action
            let call = RPCCall(
                requestID: requestID,
                principal: principal,
                version: request.version,
                action: request.action,
                parameters: request.parameters,
                regionID: request.parameters.optional("RegionId") ?? defaultRegionID
            )
            let members = try await handler(call)
            logger.info("rpc", metadata: ["action": "\(action)", "accessKeyId": "\(accessKeyID)", "status": "200", "requestId": "\(requestID)"])
            var reply = format.response(status: 200, root: action + "Response", body: .object([("RequestId", .string(requestID))] + members))
            reply.outcome = RequestOutcome(dialect: Self.name, action: routedAction, code: "OK")
            return reply
        } catch {
            let rpcError: RPCError
            switch error {
            case let error as RPCError: rpcError = error
            case let error as DomainError: rpcError = AlibabaErrorTable.rpcError(for: error)
            default:
                logger.error("rpc failed", metadata: ["action": "\(action)", "requestId": "\(requestID)", "error": "\(error)"])
                rpcError = .internalError
            }
            logger.info(
                "rpc",
                metadata: ["action": "\(action)", "accessKeyId": "\(accessKeyID)", "status": "\(rpcError.status)", "code": "\(rpcError.code)",
                           "requestId": "\(requestID)"]
            )
            let body = JSONValue.object([
                ("RequestId", .string(requestID)),
                ("HostId", .string(hostID)),
                ("Code", .string(rpcError.code)),
                ("Message", .string(rpcError.message)),
                ("Recommend", .string("https://api.aliyun.com/troubleshoot?q=" + rpcError.code)),
            ])
            var reply = format.response(status: rpcError.status, root: "Error", body: body)
            reply.outcome = RequestOutcome(dialect: Self.name, action: routedAction, code: rpcError.code,
                                           authenticationFailure: RPCError.authenticationFailureReasons[rpcError.code])
            return reply
        }
    }

    /// The dialect's name in metrics.
    public static let name = "alibaba-rpc"
}

/// JSON unless the caller asked for `Format=XML`.
enum ResponseFormat {
    case json
    case xml

    init(_ requested: String?) {
        self = requested?.uppercased() == "XML" ? .xml : .json
    }

    func response(status: Int, root: String, body: JSONValue) -> HTTPResponseMessage {
        switch self {
        case .json:
            HTTPResponseMessage(status: status, headers: [("Content-Type", "application/json;charset=utf-8")], body: body.serialized)
        case .xml:
            HTTPResponseMessage(status: status, headers: [("Content-Type", "text/xml;charset=utf-8")], body: body.xml(root: root))
        }
    }
}
