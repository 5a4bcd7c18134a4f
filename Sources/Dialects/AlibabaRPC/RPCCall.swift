import KeywardCore
import Services

/// One authenticated RPC call, ready for an action handler. Handlers reach the services only through `perform`.
public struct RPCCall: Sendable {
    public let requestID: String
    public let context: CallContext
    public let version: String
    public let action: String
    public let parameters: RPCParameters
    /// `RegionId`, or the default region when the caller sent none.
    public let regionID: String
    let gateway: AccessGateway

    /// Passes the access door with `operation`, then runs `body` with the authorisation.
    public func perform<T: Sendable>(_ operation: Operation, _ body: @Sendable (AuthorizedCall) async throws -> T) async throws -> T {
        try await gateway.perform(operation, context, body)
    }
}

/// An action handler returns the response members that follow `RequestId`.
public typealias RPCHandler = @Sendable (RPCCall) async throws -> [(String, JSONValue)]

/// The actions of every product, keyed by API version and action name.
public struct RPCRoutes: Sendable {
    private var table: [String: [String: RPCHandler]] = [:]

    public init() {}

    public mutating func add(version: String, action: String, _ handler: @escaping RPCHandler) {
        table[version, default: [:]][action] = handler
    }

    /// Every registered (version, action), for tests that walk the whole API.
    public var registered: [(version: String, action: String)] {
        table.flatMap { version, actions in actions.keys.map { (version, $0) } }.sorted { ($0.version, $0.action) < ($1.version, $1.action) }
    }

    func handler(version: String, action: String) throws(RPCError) -> RPCHandler {
        guard let actions = table[version] else { throw .versionNotFound }
        guard let handler = actions[action] else { throw .actionNotFound }
        return handler
    }
}
