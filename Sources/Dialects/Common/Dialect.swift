import DialectWire

/// One vendor's API on the shared listener: it says whether a request is its own, then verifies, decodes, calls the
/// services through the access door, and encodes the answer in its vendor's shape.
public protocol Dialect: Sendable {
    /// Whether `message` is this dialect's (asked in order; the first that claims it answers).
    func claims(_ message: HTTPRequestMessage) -> Bool
    func handle(_ message: HTTPRequestMessage) async -> HTTPResponseMessage
}

extension AlibabaRPCDialect: Dialect {
    /// Alibaba's RPC API answers whatever no other dialect claimed.
    public func claims(_ message: HTTPRequestMessage) -> Bool { true }
}
