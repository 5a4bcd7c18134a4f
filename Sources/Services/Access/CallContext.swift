import Foundation
import KeywardCore

/// Everything about one verified request that access control and the audit trail need, whichever door it came through.
public struct CallContext: Sendable {
    public let principal: Principal
    /// The TCP peer's address.
    public let sourceIP: String
    /// Whether the request came over TLS.
    public let secureTransport: Bool
    public let requestID: String
    public let regionID: String
    public let apiVersion: String
    public let time: Date
    /// Names a failure in the caller's dialect (code and message), for the audit record.
    public let describeError: @Sendable (any Error) -> (code: String, message: String)
    /// The signature's nonce, claimed by the gateway; nil for doors without one (the console, a TC3 signature).
    public let nonce: NonceTicket?

    public init(
        principal: Principal, sourceIP: String, secureTransport: Bool, requestID: String, regionID: String, apiVersion: String, time: Date = Date(),
        nonce: NonceTicket? = nil, describeError: @escaping @Sendable (any Error) -> (code: String, message: String)
    ) {
        self.principal = principal
        self.sourceIP = sourceIP
        self.secureTransport = secureTransport
        self.requestID = requestID
        self.regionID = regionID
        self.apiVersion = apiVersion
        self.time = time
        self.nonce = nonce
        self.describeError = describeError
    }
}
