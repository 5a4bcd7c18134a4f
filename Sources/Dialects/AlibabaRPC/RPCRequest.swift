/// A request decoded into the dialect's terms: which signature scheme, which API, which parameters.
struct RPCRequest: Sendable {
    enum Scheme: Sendable {
        case v1
        case v3(AlibabaSignature.V3Authorization)
    }

    let scheme: Scheme
    let version: String
    let action: String
    /// Query parameters, decoded, in arrival order (the v3 canonical query is built from these).
    let queryPairs: [(name: String, value: String)]
    /// Query and form-body parameters together (what v1 signs).
    let signedPairs: [(name: String, value: String)]
    let parameters: RPCParameters

    /// Largest request body accepted.
    static let bodyLimit = 1 << 20

    static func decode(_ message: HTTPRequestMessage) throws(RPCError) -> RPCRequest {
        guard let queryPairs = PercentEncoding.formPairs(message.rawQuery) else {
            throw RPCError(status: 400, code: "InvalidParameter", message: "The request query is not well formed.")
        }
        var bodyPairs: [(name: String, value: String)] = []
        if !message.body.isEmpty, message.header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            guard let pairs = PercentEncoding.formPairs(String(decoding: message.body, as: UTF8.self)) else {
                throw RPCError(status: 400, code: "InvalidParameter", message: "The request body is not well formed.")
            }
            bodyPairs = pairs
        }
        let all = queryPairs + bodyPairs
        var values: [String: String] = [:]
        for pair in all {
            guard values.updateValue(pair.value, forKey: pair.name) == nil else {
                throw RPCError(status: 400, code: "InvalidParameter", message: "The parameter \"\(pair.name)\" is given more than once.")
            }
        }
        let parameters = RPCParameters(values: values)

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
        } else if parameters.optional("Signature") != nil {
            scheme = .v1
            action = try parameters.required("Action")
            version = try parameters.required("Version")
        } else {
            throw .incompleteSignature
        }
        return RPCRequest(scheme: scheme, version: version, action: action, queryPairs: queryPairs, signedPairs: all, parameters: parameters)
    }
}
