import Crypto
import Foundation
import KeywardCore

/// The security token that travels with an `STS.` AccessKey: it names its key and carries 32 random bytes; the store
/// keeps only its SHA-256.
enum SecurityToken {
    private static let prefix = "KWST."

    /// A fresh token for the key, and the hash to store.
    static func make(accessKeyID: String) -> (token: String, hash: String) {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let token = prefix + base64URL(Array(accessKeyID.utf8)) + "." + base64URL(random)
        return (token, hash(token))
    }

    /// The AccessKey id a well-formed token names; nil when the token is not one of ours.
    static func accessKeyID(in token: String) -> String? {
        guard token.hasPrefix(prefix), token.utf8.count <= 512 else { return nil }
        let parts = token.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = decodeBase64URL(parts[0]), let random = decodeBase64URL(parts[1]), random.count == 32 else { return nil }
        return String(bytes: id, encoding: .utf8)
    }

    static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        return Data(base64Encoded: base).map(Array.init)
    }
}
