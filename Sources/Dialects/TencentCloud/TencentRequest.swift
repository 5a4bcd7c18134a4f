import DialectWire
import Foundation

/// A Tencent Cloud API 3.0 request decoded: signature scheme, action, version, region and parameters.
struct TencentRequest: Sendable {
    enum Scheme: Sendable {
        case tc3(TencentSignature.TC3Authorization, timestamp: String)
        case legacy(TencentSignature.LegacyMethod, secretID: String, nonce: String, timestamp: String, signature: String, pairs: [(name: String, value: String)])
    }

    let scheme: Scheme
    let action: String
    let version: String
    let region: String?
    let parameters: TencentParameters

    /// Whether the request is Tencent's: a TC3 `Authorization` or an `X-TC-Action` header, or the legacy form's
    /// `SecretId` + `Nonce` + `Signature` without Alibaba's `AccessKeyId`.
    static func claims(_ message: HTTPRequestMessage) -> Bool {
        if message.header("authorization")?.hasPrefix("TC3-") == true || message.header("x-tc-action") != nil { return true }
        // Alibaba's requests, most of what arrives, name their AccessKeyId: no need to decode them to tell.
        let query = message.rawQuery
        if query.hasPrefix("AccessKeyId=") || query.contains("&AccessKeyId=") { return false }
        let names = Set(legacyPairs(message).map(\.name))
        return names.contains("SecretId") && names.contains("Nonce") && names.contains("Signature") && !names.contains("AccessKeyId")
    }

    static func decode(_ message: HTTPRequestMessage) throws(TencentError) -> TencentRequest {
        if let header = message.header("authorization"), header.hasPrefix("TC3-") {
            guard let authorization = TencentSignature.TC3Authorization(header: header) else { throw .invalidAuthorization }
            guard let timestamp = message.header("x-tc-timestamp") else { throw .missingParameter("X-TC-Timestamp") }
            guard let action = message.header("x-tc-action"), !action.isEmpty else { throw .missingParameter("X-TC-Action") }
            guard let version = message.header("x-tc-version"), !version.isEmpty else { throw .missingParameter("X-TC-Version") }
            let parameters: TencentParameters?
            if message.method == "GET" {
                parameters = PercentEncoding.formPairs(message.rawQuery).flatMap(TencentParameters.flattened)
            } else if message.header("content-type")?.lowercased().hasPrefix("application/json") == true {
                parameters = TencentParameters.json(message.body)
            } else {
                parameters = PercentEncoding.formPairs(String(decoding: message.body, as: UTF8.self)).flatMap(TencentParameters.flattened)
            }
            guard let parameters else { throw TencentError("InvalidParameter", "The request parameters are not well formed.") }
            return TencentRequest(
                scheme: .tc3(authorization, timestamp: timestamp), action: action, version: version, region: message.header("x-tc-region"),
                parameters: parameters
            )
        }
        let pairs = legacyPairs(message)
        var values: [String: String] = [:]
        for pair in pairs {
            guard values.updateValue(pair.value, forKey: pair.name) == nil else {
                throw TencentError("InvalidParameter", "The parameter `\(pair.name)` is given more than once.")
            }
        }
        guard let secretID = values["SecretId"], let nonce = values["Nonce"], let signature = values["Signature"] else { throw .signatureFailure }
        guard let timestamp = values["Timestamp"] else { throw .missingParameter("Timestamp") }
        guard let action = values["Action"] else { throw .missingParameter("Action") }
        guard let version = values["Version"] else { throw .missingParameter("Version") }
        let method: TencentSignature.LegacyMethod
        switch values["SignatureMethod"] {
        case nil, "HmacSHA1": method = .hmacSHA1
        case "HmacSHA256": method = .hmacSHA256
        default: throw TencentError("AuthFailure.SignatureFailure", "The signature method is not supported.")
        }
        let common: Set<String> = ["Action", "Version", "Region", "SecretId", "Nonce", "Timestamp", "SignatureMethod", "Signature", "Language", "RequestClient", "Token"]
        guard let parameters = TencentParameters.flattened(pairs.filter { !common.contains($0.name) }) else {
            throw TencentError("InvalidParameter", "The request parameters are not well formed.")
        }
        return TencentRequest(
            scheme: .legacy(method, secretID: secretID, nonce: nonce, timestamp: timestamp, signature: signature, pairs: pairs),
            action: action, version: version, region: values["Region"], parameters: parameters
        )
    }

    /// The query and form-body pairs of a legacy request.
    private static func legacyPairs(_ message: HTTPRequestMessage) -> [(name: String, value: String)] {
        var pairs = PercentEncoding.formPairs(message.rawQuery) ?? []
        if message.method == "POST", message.header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            pairs += PercentEncoding.formPairs(String(decoding: message.body, as: UTF8.self)) ?? []
        }
        return pairs
    }
}
