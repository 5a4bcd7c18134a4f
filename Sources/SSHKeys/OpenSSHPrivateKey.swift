import Crypto
import Foundation

/// OpenSSH's own private key container, `openssh-key-v1` (PROTOCOL.key), written unencrypted.
enum OpenSSHPrivateKey {
    /// `ssh-ed25519` blob: string "ssh-ed25519", string key (32 bytes) (RFC 8709).
    static func ed25519PublicBlob(_ key: Curve25519.Signing.PublicKey) -> [UInt8] {
        var writer = SSHWireWriter()
        writer.writeString(PublicKeyKind.ed25519.keyTypeName)
        writer.writeString(key.rawRepresentation)
        return writer.bytes
    }

    /// The `-----BEGIN OPENSSH PRIVATE KEY-----` document for an Ed25519 key, as `ssh-keygen -t ed25519 -N ''` writes it.
    static func ed25519PEM(
        _ key: Curve25519.Signing.PrivateKey,
        comment: String,
        checkInt: UInt32 = .random(in: .min ... .max)
    ) -> String {
        let publicKey = Array(key.publicKey.rawRepresentation)

        var secret = SSHWireWriter()
        secret.writeUInt32(checkInt)  // the two equal check integers tell a right passphrase from a wrong one
        secret.writeUInt32(checkInt)
        secret.writeString(PublicKeyKind.ed25519.keyTypeName)
        secret.writeString(publicKey)
        secret.writeString(Array(key.rawRepresentation) + publicKey)  // 64 bytes: seed || public key
        secret.writeString(comment)
        var pad: UInt8 = 1
        while secret.bytes.count % 8 != 0 {  // block size of the "none" cipher
            secret.writeRaw([pad])
            pad += 1
        }

        var container = SSHWireWriter()
        container.writeRaw(Array("openssh-key-v1".utf8) + [0])
        container.writeString("none")  // cipher
        container.writeString("none")  // kdf
        container.writeString([UInt8]())  // kdf options
        container.writeUInt32(1)  // number of keys
        container.writeString(ed25519PublicBlob(key.publicKey))
        container.writeString(secret.bytes)

        let base64 = Data(container.bytes).base64EncodedString()
        var lines = ["-----BEGIN OPENSSH PRIVATE KEY-----"]
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(70)))
            rest = rest.dropFirst(70)
        }
        lines.append("-----END OPENSSH PRIVATE KEY-----")
        return lines.joined(separator: "\n") + "\n"
    }
}
