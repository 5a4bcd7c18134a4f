import Foundation
import KeywardCore

/// What is Tencent's own about ids, names and times, in one place.
enum TencentProfile {
    static let keyIDPrefix = "skey-"
    static let instanceIDPrefix = "ins-"
    static let imageIDPrefix = "img-"

    /// `skey-` + the key pair's short id.
    static func keyID(_ keyPair: KeyPair) -> String { keyIDPrefix + keyPair.shortID }
    static func instanceID(_ id: String) -> String { instanceIDPrefix + KeyPair.shortID(of: id) }

    /// The short id inside `prefix` + 8 lowercase letters or digits; nil when malformed.
    static func shortID(_ id: String, prefix: String) -> String? {
        guard id.hasPrefix(prefix) else { return nil }
        let body = id.dropFirst(prefix.count)
        guard body.count == 8, body.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else { return nil }
        return String(body)
    }

    /// Tencent's key name rule: 1–25 of letters, digits and `_`.
    static func keyName(_ name: String) throws(TencentError) -> KeyPairName {
        guard !name.isEmpty else { throw TencentError("InvalidKeyPairNameEmpty", "The key name cannot be empty.") }
        guard name.count <= 25 else { throw TencentError("InvalidKeyPairNameTooLong", "The key name cannot exceed 25 characters.") }
        guard name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }) else {
            throw TencentError("InvalidKeyPairNameIncludeIllegalChar", "The key name `\(name)` can contain only letters, digits and underscores.")
        }
        return KeyPairName(checkedByDialect: name)
    }

    /// ISO 8601 UTC to the second, as CreatedTime is written.
    static func time(_ date: Date) -> String {
        ECSTime.format(date, seconds: true)
    }
}
