import DialectWire
import Foundation
import KeywardCore
import Logging
import Services
import Store

/// The Alibaba Cloud RPC API (ECS now; ESS and RAM join through `RPCRoutes`): decode, authenticate,
/// dispatch on Version + Action, encode the result or the error as the official SDKs parse it.
public struct AlibabaRPCDialect: Sendable {
    private let routes: RPCRoutes
    private let authenticator: RPCAuthenticator
    private let gateway: AccessGateway
    private let defaultRegionID: String
    private let logger: Logger
    private let now: @Sendable () -> Date

    public init(
        routes: RPCRoutes,
        credentials: CredentialService,
        gateway: AccessGateway,
        defaultRegionID: String,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.routes = routes
        self.authenticator = RPCAuthenticator(credentials: credentials, now: now)
        self.gateway = gateway
        self.defaultRegionID = defaultRegionID
        self.logger = logger
        self.now = now
    }

    public func handle(_ message: HTTPRequestMessage) async -> HTTPResponseMessage {
        let requestID = RandomUUID.string()
        let hostID = message.header("host") ?? "keyward"
        // Read from the decoded query, or from the raw one when it cannot be decoded: even a malformed request is answered
        // in the format asked for.
        var format: ResponseFormat?
        var action = "-"
        // Metrics name only actions that exist and were asked for by a verified caller: anyone can send any Action.
        var routedAction = "-"
        var accessKeyID = "-"
        var product = AccessErrorTable.Product.other
        do {
            guard message.body.count <= RPCRequest.bodyLimit else {
                throw RPCError(status: 413, code: "InvalidParameter", message: "The request body is too large.")
            }
            let request: RPCRequest
            do {
                request = try RPCRequest.decode(message)
            } catch {
                throw RPCError(error)
            }
            format = ResponseFormat(request.queryPairs.first { $0.name == "Format" }?.value)
            action = request.action
            product = AccessErrorTable.Product(version: request.version)
            let (principal, nonce) = try await authenticator.authenticate(request, message: message)
            accessKeyID = principal.accessKeyID
            let handler = try routes.handler(version: request.version, action: request.action)
            routedAction = request.action
            let regionID = request.parameters.optional("RegionId") ?? defaultRegionID
            let errorProduct = product
            let context = CallContext(
                principal: principal, sourceIP: message.remoteAddress ?? "", secureTransport: message.isSecure, requestID: requestID,
                regionID: regionID, apiVersion: request.version, time: now(), nonce: nonce,
                describeError: { error in
                    let described = Self.rpcError(for: error, product: errorProduct)
                    return (described.code, described.message)
                }
            )
            let call = RPCCall(
                requestID: requestID, context: context, version: request.version, action: request.action, parameters: request.parameters,
                regionID: regionID, gateway: gateway
            )
            let members = try await handler(call)
            logger.info("rpc", metadata: ["action": "\(action)", "accessKeyId": "\(accessKeyID)", "status": "200", "requestId": "\(requestID)"])
            var reply = (format ?? .json).response(status: 200, root: action + "Response", body: .object([("RequestId", .string(requestID))] + members))
            reply.outcome = RequestOutcome(dialect: Self.name, action: routedAction, code: "OK")
            return reply
        } catch {
            let rpcError = Self.rpcError(for: error, product: product)
            if rpcError == .internalError, !(error is RPCError) {
                logger.error("rpc failed", metadata: ["action": "\(action)", "requestId": "\(requestID)", "error": "\(error)"])
            }
            logger.info(
                "rpc",
                metadata: ["action": "\(action)", "accessKeyId": "\(accessKeyID)", "status": "\(rpcError.status)", "code": "\(rpcError.code)",
                           "requestId": "\(requestID)"]
            )
            var members: [(String, JSONValue)] = [
                ("RequestId", .string(requestID)),
                ("HostId", .string(hostID)),
                ("Code", .string(rpcError.code)),
                ("Message", .string(rpcError.message)),
                ("Recommend", .string("https://api.aliyun.com/troubleshoot?q=\(rpcError.code)&requestId=\(requestID)")),
            ]
            if let detail = rpcError.accessDeniedDetail { members.append(("AccessDeniedDetail", detail)) }
            let body = JSONValue.object(members)
            let errorFormat = format ?? ResponseFormat(PercentEncoding.firstValue(named: "Format", in: message.rawQuery))
            var reply = errorFormat.response(status: rpcError.status, root: "Error", body: body)
            reply.outcome = RequestOutcome(dialect: Self.name, action: routedAction, code: rpcError.code,
                                           authenticationFailure: RPCError.authenticationFailureReasons[rpcError.code])
            return reply
        }
    }

    /// A failure of work Auto Scaling does for an account, in ESS's words (for the audit trail and activity messages).
    public static func describeScalingFailure(_ error: any Error) -> (code: String, message: String) {
        let described = rpcError(for: error, product: .ess)
        return (described.code, described.message)
    }

    /// A failure as ECS (or RAM) names it, code and message, for the console and the audit trail.
    public static func describeFailure(_ error: any Error, ram: Bool = false) -> (code: String, message: String) {
        let described = rpcError(for: error, product: ram ? .ram : .ecs)
        return (described.code, described.message)
    }

    /// Any failure in this dialect's words.
    static func rpcError(for error: any Error, product: AccessErrorTable.Product) -> RPCError {
        switch error {
        case let error as RPCError: error
        case let error as DomainError: product == .ess ? ESSActions.rpcError(for: error) : AlibabaErrorTable.rpcError(for: error)
        case let error as AccessDenied: AccessErrorTable.rpcError(for: error, product: product)
        case let error as AccessError: AccessErrorTable.rpcError(for: error, product: product)
        case StoreError.unavailable: .serviceUnavailable
        case is RequestReplayed: .nonceUsed
        default: .internalError
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
