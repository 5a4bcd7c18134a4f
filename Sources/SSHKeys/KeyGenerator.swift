import Crypto
import Foundation
import _CryptoExtras

/// The key types Keyward generates.
public enum KeyAlgorithm: String, Sendable, CaseIterable {
    case rsa2048 = "rsa"
    case ed25519 = "ed25519"
}

/// A freshly generated key pair. The private key exists only in this value: it is never logged or stored here.
public struct GeneratedKeyPair: Sendable {
    /// RSA: unencrypted PKCS#8 (`-----BEGIN PRIVATE KEY-----`). Ed25519: OpenSSH's own unencrypted
    /// `-----BEGIN OPENSSH PRIVATE KEY-----`, the only Ed25519 private key format OpenSSH reads.
    public let privateKeyPEM: String
    public let publicKey: PublicKey

    public init(privateKeyPEM: String, publicKey: PublicKey) {
        self.privateKeyPEM = privateKeyPEM
        self.publicKey = publicKey
    }
}

/// Printing, interpolating or dumping a key pair shows the public half only.
extension GeneratedKeyPair: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "GeneratedKeyPair(\(publicKey.algorithm) \(publicKey.sha256Fingerprint))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct) }
}

/// Generates key pairs. CPU-bound (RSA-2048 takes tens of milliseconds): call it off latency-sensitive threads.
public enum KeyGenerator {
    /// - Parameters:
    ///   - algorithm: the key type.
    ///   - comment: the public key's comment (and the comment inside an OpenSSH private key); nil or empty for none.
    public static func generate(_ algorithm: KeyAlgorithm, comment: String? = nil) throws(KeyGenerationError) -> GeneratedKeyPair {
        let comment = comment.flatMap { $0.isEmpty ? nil : $0 }
        if let comment, comment.containsControlCharacter { throw .invalidComment }
        switch algorithm {
        case .rsa2048:
            let privateKey: _RSA.Signing.PrivateKey
            let primitives: _RSA.Signing.PublicKey.Primitives
            do {
                privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
                primitives = try privateKey.publicKey.getKeyPrimitives()
            } catch {
                throw .cryptoFailure("RSA key generation failed: \(error)")
            }
            var blob = SSHWireWriter()
            blob.writeString(PublicKeyKind.rsa.keyTypeName)
            blob.writeMPInt(unsignedBigEndian: primitives.publicExponent)
            blob.writeMPInt(unsignedBigEndian: primitives.modulus)
            return GeneratedKeyPair(privateKeyPEM: privateKey.pkcs8PEMRepresentation, publicKey: try publicKey(blob.bytes, comment))
        case .ed25519:
            let privateKey = Curve25519.Signing.PrivateKey()
            let publicBlob = OpenSSHPrivateKey.ed25519PublicBlob(privateKey.publicKey)
            return GeneratedKeyPair(
                privateKeyPEM: OpenSSHPrivateKey.ed25519PEM(privateKey, comment: comment ?? ""),
                publicKey: try publicKey(publicBlob, comment)
            )
        }
    }

    /// Runs the generated blob through the same validation as imported keys.
    private static func publicKey(_ blob: [UInt8], _ comment: String?) throws(KeyGenerationError) -> PublicKey {
        do {
            return try PublicKey(blob: blob, comment: comment)
        } catch {
            throw .cryptoFailure("the generated public key did not validate: \(error)")
        }
    }
}
