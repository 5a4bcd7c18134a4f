import Crypto
import Foundation

/// Encrypts AccessKey secrets at rest with the server key (AES-256-GCM). The secret is needed in clear
/// to verify HMAC signatures, so it is sealed rather than hashed.
public struct SecretSealer: Sendable {
    private let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// A sealer whose 32-byte key lives in `path` (mode 0600), created on first use.
    public static func loadOrCreate(keyFile path: String) throws -> SecretSealer {
        let url = URL(fileURLWithPath: path)
        if let data = try? Data(contentsOf: url) {
            guard data.count == 32 else { throw SealError.badKeyFile(path) }
            return SecretSealer(key: SymmetricKey(data: data))
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw SealError.badKeyFile(path)
        }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
        return SecretSealer(key: key)
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
        case badKeyFile(String)
        case sealFailed
    }
}
