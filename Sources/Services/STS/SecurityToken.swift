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
        let token = prefix + Base64URL.encode(Array(accessKeyID.utf8)) + "." + Base64URL.encode(random)
        return (token, hash(token))
    }

    /// The AccessKey id a well-formed token names; nil when the token is not one of ours.
    static func accessKeyID(in token: String) -> String? {
        guard token.hasPrefix(prefix), token.utf8.count <= 512 else { return nil }
        let parts = token.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = Base64URL.decode(parts[0]), let random = Base64URL.decode(parts[1]), random.count == 32 else { return nil }
        return String(bytes: id, encoding: .utf8)
    }

    static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }

}
