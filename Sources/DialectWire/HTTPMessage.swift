/// An HTTP request as a dialect sees it, free of any server framework.
public struct HTTPRequestMessage: Sendable {
    public let method: String
    /// The path without the query, e.g. `/`.
    public let path: String
    /// The raw query string after `?`, still percent-encoded.
    public let rawQuery: String
    /// Header names lowercased, in arrival order.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    /// The TCP peer's IP address.
    public let remoteAddress: String?
    /// Whether the request arrived over TLS.
    public let isSecure: Bool

    public init(
        method: String, path: String, rawQuery: String, headers: [(name: String, value: String)], body: [UInt8], remoteAddress: String? = nil,
        isSecure: Bool = false
    ) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.headers = headers.map { ($0.name.lowercased(), $0.value) }
        self.body = body
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
    }

    /// All values of a header, in arrival order.
    public func headerValues(_ name: String) -> [String] {
        let name = name.lowercased()
        return headers.filter { $0.name == name }.map(\.value)
    }

    public func header(_ name: String) -> String? { headerValues(name).first }
}

/// An HTTP response produced by a dialect.
public struct HTTPResponseMessage: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    /// What the request was and how it ended, for metrics.
    public var outcome: RequestOutcome?

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], outcome: RequestOutcome? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.outcome = outcome
    }
}

/// How one API request ended, in the dialect's own words.
public struct RequestOutcome: Sendable, Equatable {
    /// Which API answered, e.g. `alibaba-rpc`.
    public let dialect: String
    /// The action asked for, `-` when the request could not be decoded that far.
    public let action: String
    /// `OK`, or the error code the caller saw.
    public let code: String
    /// Why the signature check refused the request, when it did (e.g. `signature-mismatch`, `replay`).
    public let authenticationFailure: String?

    public init(dialect: String, action: String, code: String, authenticationFailure: String? = nil) {
        self.dialect = dialect
        self.action = action
        self.code = code
        self.authenticationFailure = authenticationFailure
    }
}
