import Crypto
import Foundation

/// Encrypts AccessKey secrets at rest with the server key (AES-256-GCM). The secret is needed in clear
/// to verify HMAC signatures, so it is sealed rather than hashed.
public struct SecretSealer: Sendable {
    private let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// The key other server secrets are derived from (never used directly for anything else).
    public var keyForDerivation: SymmetricKey { key }

    public func seal(_ secret: String) throws -> [UInt8] {
        guard let combined = try AES.GCM.seal(Data(secret.utf8), using: key).combined else { throw SealError.sealFailed }
        return Array(combined)
    }

    public func open(_ sealed: [UInt8]) throws -> String {
        let box = try AES.GCM.SealedBox(combined: sealed)
        return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
    }

    public enum SealError: Error, Sendable, Equatable {
        case sealFailed
    }
}
