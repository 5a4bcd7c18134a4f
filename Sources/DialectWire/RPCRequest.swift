/// An Alibaba Cloud RPC request as it arrived: which signature scheme, which API, which parameters.
public struct RPCRequest: Sendable {
    public enum Scheme: Sendable {
        case v1
        case v3(AlibabaSignature.V3Authorization)
    }

    /// Why a request is not an RPC request (the dialect says it in Alibaba's codes).
    public enum Malformed: Error, Sendable, Equatable {
        case query
        case body
        case repeatedParameter(String)
        case missingParameter(String)
        /// Neither a v3 `Authorization` header nor a v1 `Signature` parameter, or a v3 header not of its shape.
        case incompleteSignature
    }

    public let scheme: Scheme
    public let version: String
    public let action: String
    /// Query parameters, decoded, in arrival order (the v3 canonical query is built from these).
    public let queryPairs: [(name: String, value: String)]
    /// Query and form-body parameters together (what v1 signs).
    public let signedPairs: [(name: String, value: String)]
    /// Every parameter by name; a name is given once at most.
    public let values: [String: String]

    /// Largest request body accepted.
    public static let bodyLimit = 1 << 20

    public static func decode(_ message: HTTPRequestMessage) throws(Malformed) -> RPCRequest {
        guard let queryPairs = PercentEncoding.formPairs(message.rawQuery) else { throw .query }
        var bodyPairs: [(name: String, value: String)] = []
        if !message.body.isEmpty, message.header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            guard let pairs = PercentEncoding.formPairs(String(decoding: message.body, as: UTF8.self)) else { throw .body }
            bodyPairs = pairs
        }
        let all = queryPairs + bodyPairs
        var values: [String: String] = [:]
        for pair in all {
            guard values.updateValue(pair.value, forKey: pair.name) == nil else { throw .repeatedParameter(pair.name) }
        }

        let scheme: Scheme
        let version: String
        let action: String
        if let header = message.header("authorization"), header.hasPrefix("ACS3-") {
            guard let authorization = AlibabaSignature.V3Authorization(header: header) else { throw .incompleteSignature }
            scheme = .v3(authorization)
            guard let headerAction = message.header("x-acs-action"), !headerAction.isEmpty else { throw .missingParameter("Action") }
            guard let headerVersion = message.header("x-acs-version"), !headerVersion.isEmpty else { throw .missingParameter("Version") }
            action = headerAction
            version = headerVersion
        } else if values["Signature"]?.isEmpty == false {
            scheme = .v1
            guard let given = values["Action"], !given.isEmpty else { throw .missingParameter("Action") }
            guard let givenVersion = values["Version"], !givenVersion.isEmpty else { throw .missingParameter("Version") }
            action = given
            version = givenVersion
        } else {
            throw .incompleteSignature
        }
        return RPCRequest(scheme: scheme, version: version, action: action, queryPairs: queryPairs, signedPairs: all, values: values)
    }
}
