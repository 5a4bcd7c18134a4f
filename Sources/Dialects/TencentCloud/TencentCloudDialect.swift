import DialectWire
import Foundation
import KeywardCore
import Logging
import Services

/// One authenticated Tencent call, ready for an action handler; handlers reach the services only through `perform`.
public struct TencentCall: Sendable {
    public let requestID: String
    public let context: CallContext
    public let action: String
    public let parameters: TencentParameters
    /// `X-TC-Region` or `Region`; required by the region-scoped actions.
    public let region: String?
    let gateway: AccessGateway

    public func perform<T: Sendable>(_ operation: Services.Operation, _ body: @Sendable (AuthorizedCall) async throws -> T) async throws -> T {
        try await gateway.perform(operation, context, body)
    }

    /// The region the call is about, or `MissingParameter`.
    public func requiredRegion() throws(TencentError) -> String {
        guard let region, !region.isEmpty else { throw .missingParameter("Region") }
        return region
    }
}

public typealias TencentHandler = @Sendable (TencentCall) async throws -> [(String, JSONValue)]

/// Tencent Cloud API 3.0 on the shared listener (CVM 2017-03-12 now): claims TC3 and legacy-signed requests, verifies
/// them, dispatches on the action, and answers in Tencent's shape — HTTP 200 and `application/json` even for errors.
public struct TencentCloudDialect: Dialect {
    public static let name = "tencent-cloud"
    public static let cvmVersion = "2017-03-12"

    private let handlers: [String: TencentHandler]
    private let authenticator: TencentAuthenticator
    private let gateway: AccessGateway
    private let logger: Logger
    private let now: @Sendable () -> Date

    public init(
        handlers: [String: TencentHandler], credentials: CredentialService, gateway: AccessGateway, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.handlers = handlers
        self.authenticator = TencentAuthenticator(credentials: credentials, now: now)
        self.gateway = gateway
        self.logger = logger
        self.now = now
    }

    public func claims(_ message: HTTPRequestMessage) -> Bool { TencentRequest.claims(message) }

    public func handle(_ message: HTTPRequestMessage) async -> HTTPResponseMessage {
        let requestID = RandomUUID.string()
        var routedAction = "-"
        do {
            let request = try TencentRequest.decode(message)
            let (principal, nonce) = try await authenticator.authenticate(request, message: message)
            guard request.version == Self.cvmVersion else { throw TencentError.noSuchVersion }
            guard let handler = handlers[request.action] else { throw TencentError.invalidAction }
            routedAction = request.action
            let context = CallContext(
                principal: principal, sourceIP: message.remoteAddress ?? "", secureTransport: message.isSecure, requestID: requestID,
                regionID: request.region ?? "", apiVersion: request.version, time: now(), nonce: nonce,
                describeError: { error in
                    let described = TencentErrorTable.tencentError(for: error)
                    return (described.code, described.message)
                }
            )
            let call = TencentCall(
                requestID: requestID, context: context, action: request.action, parameters: request.parameters, region: request.region, gateway: gateway
            )
            let members = try await handler(call)
            var reply = Self.reply(.object(members + [("RequestId", .string(requestID))]))
            reply.outcome = RequestOutcome(dialect: Self.name, action: routedAction, code: "OK")
            return reply
        } catch {
            let failure = TencentErrorTable.tencentError(for: error)
            if failure == .internalError, !(error is TencentError) {
                logger.error("tencent call failed", metadata: ["action": "\(routedAction)", "requestId": "\(requestID)", "error": "\(error)"])
            }
            var reply = Self.reply(.object([
                ("Error", .object([("Code", .string(failure.code)), ("Message", .string(failure.message))])),
                ("RequestId", .string(requestID)),
            ]))
            reply.outcome = RequestOutcome(
                dialect: Self.name, action: routedAction, code: failure.code, authenticationFailure: TencentError.authenticationFailureReasons[failure.code]
            )
            return reply
        }
    }

    /// Tencent's SDK reads a reply only from HTTP 200 with exactly this content type.
    static func reply(_ response: JSONValue) -> HTTPResponseMessage {
        HTTPResponseMessage(status: 200, headers: [("Content-Type", "application/json")], body: JSONValue.object([("Response", response)]).serialized)
    }
}

extension TencentCloudDialect {
    /// Every CVM action Keyward serves.
    public static func cvm(keyPairs: KeyPairService, instances: InstanceService, images: ImageService, regions: RegionCatalog) -> [String: TencentHandler] {
        var handlers: [String: TencentHandler] = [:]
        CVMKeyPairActions(keyPairs: keyPairs).register(into: &handlers)
        CVMInstanceActions(instances: instances, images: images).register(into: &handlers)
        CVMImageActions(images: images, instances: instances, regions: regions).register(into: &handlers)
        CVMRegionActions(regions: regions).register(into: &handlers)
        return handlers
    }
}
