import Crypto
import KeywardCore
import Foundation

/// The two Alibaba Cloud RPC signature schemes: v1 (HMAC-SHA1 over the sorted parameters) and
/// v3 (`ACS3-HMAC-SHA256` over a canonical request whose headers are the ones the client signed).
public enum AlibabaSignature {
    // MARK: v1

    /// `METHOD&%2F&percent(sorted name=value pairs joined by &)`; `Signature` itself is excluded.
    public static func v1StringToSign(method: String, parameters: [(name: String, value: String)]) -> String {
        // Sorted by the bytes of the names, encoded into one buffer, then encoded again as a whole.
        let sorted = parameters.filter { $0.name != "Signature" }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var canonical: [UInt8] = []
        canonical.reserveCapacity(sorted.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 2 } * 3 / 2)
        for (index, parameter) in sorted.enumerated() {
            if index > 0 { canonical.append(UInt8(ascii: "&")) }
            PercentEncoding.appendRFC3986(parameter.name.utf8, to: &canonical)
            canonical.append(UInt8(ascii: "="))
            PercentEncoding.appendRFC3986(parameter.value.utf8, to: &canonical)
        }
        var out = Array((method + "&%2F&").utf8)
        out.reserveCapacity(out.count + canonical.count * 3 / 2)
        PercentEncoding.appendRFC3986(canonical, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Base64 HMAC-SHA1 keyed with `secret + "&"`.
    public static func v1Signature(stringToSign: String, secret: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: Data((secret + "&").utf8)))
        return Data(mac).base64EncodedString()
    }

    // MARK: v3

    /// The parts of an `Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…` header.
    public struct V3Authorization: Sendable, Equatable {
        public let algorithm: String
        public let accessKeyID: String
        public let signedHeaders: [String]
        public let signature: String

        /// Nil when the header is not of that shape.
        public init?(header: String) {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            var fields: [String: String] = [:]
            for item in parts[1].split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { return nil }
                fields[pair[0].trimmingCharacters(in: .whitespaces)] = String(pair[1]).trimmingCharacters(in: .whitespaces)
            }
            guard let credential = fields["Credential"], !credential.isEmpty, let headers = fields["SignedHeaders"], !headers.isEmpty,
                  let signature = fields["Signature"], !signature.isEmpty
            else { return nil }
            self.algorithm = String(parts[0])
            self.accessKeyID = credential
            self.signedHeaders = headers.split(separator: ";").map { $0.lowercased() }
            self.signature = signature
        }
    }

    /// The canonical request: method, path, sorted query, signed headers, their names, payload hash.
    public static func v3CanonicalRequest(
        method: String,
        path: String,
        query: [(name: String, value: String)],
        signedHeaders: [String],
        headerValues: (String) -> [String],
        payloadHash: String
    ) -> String {
        let canonicalQuery = query
            .map { (PercentEncoding.rfc3986($0.name), PercentEncoding.rfc3986($0.value)) }
            .sorted { Array($0.0.utf8).lexicographicallyPrecedes($1.0.utf8) }
            .map { $0.0 + "=" + $0.1 }
            .joined(separator: "&")
        var headerLines = ""
        for name in signedHeaders {
            let values = headerValues(name).map { $0.trimmingCharacters(in: .whitespaces) }.sorted()
            headerLines += name + ":" + values.joined(separator: ",") + "\n"
        }
        return [method, path, canonicalQuery, headerLines, signedHeaders.joined(separator: ";"), payloadHash].joined(separator: "\n")
    }

    public static func v3StringToSign(algorithm: String, canonicalRequest: String) -> String {
        algorithm + "\n" + Hex.encode(SHA256.hash(data: Data(canonicalRequest.utf8)))
    }

    /// Lowercase hex HMAC-SHA256 keyed with the raw secret.
    public static func v3Signature(stringToSign: String, secret: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }
}
