import KeywardCore

/// One authenticated RPC call, ready for an action handler.
public struct RPCCall: Sendable {
    public let requestID: String
    public let principal: Principal
    public let version: String
    public let action: String
    public let parameters: RPCParameters
    /// `RegionId`, or the default region when the caller sent none.
    public let regionID: String
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

    func handler(version: String, action: String) throws(RPCError) -> RPCHandler {
        guard let actions = table[version] else { throw .versionNotFound }
        guard let handler = actions[action] else { throw .actionNotFound }
        return handler
    }
}
