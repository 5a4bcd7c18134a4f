import Crypto
import Foundation
import KeywardCore

/// Tencent Cloud API 3.0 signatures: TC3-HMAC-SHA256 and the legacy HmacSHA1 / HmacSHA256 form.
public enum TencentSignature {
    /// The parts of a `TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
    public struct TC3Authorization: Sendable, Equatable {
        public let secretID: String
        public let date: String
        public let service: String
        public let signedHeaders: [String]
        public let signature: String

        public init?(header: String) {
            guard header.hasPrefix("TC3-HMAC-SHA256 ") else { return nil }
            var fields: [String: String] = [:]
            for part in header.dropFirst("TC3-HMAC-SHA256 ".count).split(separator: ",") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { return nil }
                fields[String(pair[0])] = String(pair[1])
            }
            guard let credential = fields["Credential"], let signed = fields["SignedHeaders"], let signature = fields["Signature"] else { return nil }
            let scope = credential.split(separator: "/", omittingEmptySubsequences: false)
            guard scope.count == 4, scope[3] == "tc3_request", !scope[0].isEmpty else { return nil }
            secretID = String(scope[0])
            date = String(scope[1])
            service = String(scope[2])
            signedHeaders = signed.split(separator: ";").map { $0.lowercased() }
            self.signature = signature
            guard !signedHeaders.isEmpty, signature.utf8.count == 64 else { return nil }
        }
    }

    /// The canonical request: the query exactly as sent, the signed headers from the received values (content-type
    /// lower-cased, as the SDKs do), and the payload's SHA-256.
    public static func tc3CanonicalRequest(
        method: String, path: String, rawQuery: String, signedHeaders: [String], headerValue: (String) -> String?, payload: [UInt8]
    ) -> String {
        let headers = signedHeaders.map { name -> String in
            let value = (headerValue(name) ?? "").trimmingCharacters(in: .whitespaces)
            return "\(name):\(name == "content-type" ? value.lowercased() : value)\n"
        }.joined()
        return [method, path, rawQuery, headers, signedHeaders.joined(separator: ";"), sha256Hex(payload)].joined(separator: "\n")
    }

    public static func tc3StringToSign(timestamp: String, date: String, service: String, canonicalRequest: String) -> String {
        ["TC3-HMAC-SHA256", timestamp, "\(date)/\(service)/tc3_request", sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    public static func tc3Signature(secret: String, date: String, service: String, stringToSign: String) -> String {
        let kDate = hmac(key: Array(("TC3" + secret).utf8), date)
        let kService = hmac(key: kDate, service)
        let kSigning = hmac(key: kService, "tc3_request")
        return Hex.encode(hmac(key: kSigning, stringToSign))
    }

    /// The legacy string to sign: `METHOD + host + path + "?" + k=v&…` over the raw values, keys sorted.
    public static func legacyStringToSign(method: String, host: String, path: String, parameters: [(name: String, value: String)]) -> String {
        let sorted = parameters.filter { $0.name != "Signature" }.sorted { $0.name < $1.name }
        return method + host + path + "?" + sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    public enum LegacyMethod: String, Sendable {
        case hmacSHA1 = "HmacSHA1"
        case hmacSHA256 = "HmacSHA256"
    }

    public static func legacySignature(secret: String, method: LegacyMethod, stringToSign: String) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let message = Array(stringToSign.utf8)
        switch method {
        case .hmacSHA1: return Data(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key)).base64EncodedString()
        case .hmacSHA256: return Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
        }
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }

    private static func hmac(key: [UInt8], _ message: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
    }
}
