import Crypto
import Foundation

/// A validated SSH public key or OpenSSH certificate. If a value exists, its blob has been walked
/// field by field and its key material checked, so every property below is well defined.
public struct PublicKey: Sendable, Hashable {
    /// Text longer than this is refused before any parsing.
    public static let maximumInputBytes = 16 * 1024

    /// The outer key type name, e.g. `ssh-rsa` or `ssh-ed25519-cert-v01@openssh.com`.
    public let algorithm: String
    /// The SSH wire blob exactly as carried in the key's base64 field.
    public let blob: [UInt8]
    /// The trailing comment of an OpenSSH line, or the `Comment:` header of an RFC 4716 block; nil when absent.
    public let comment: String?
    /// The kind of key material, the certified key's for a certificate.
    public let kind: PublicKeyKind
    /// RSA modulus bits, DSA `p` bits, the ECDSA curve size (256/384/521), 256 for Ed25519.
    public let bits: Int

    let envelope: KeyEnvelope
    /// The plain key blob OpenSSH fingerprints (the certified key for a certificate).
    let plainBlob: [UInt8]

    /// Parses any form of public key a user pastes: an OpenSSH line (plain key or certificate),
    /// an RFC 4716 `---- BEGIN SSH2 PUBLIC KEY ----` block, or a PEM `PUBLIC KEY` / `RSA PUBLIC KEY`.
    /// Leading and trailing whitespace and CRLF line ends are accepted; exactly one key must be given.
    public init(parsing text: String) throws(PublicKeyParseError) {
        let size = text.utf8.count
        guard size <= Self.maximumInputBytes else { throw .inputTooLarge(bytes: size, limit: Self.maximumInputBytes) }
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        if let format = PrivateKeyFormat.detect(in: trimmed) { throw .privateKeyGiven(format) }
        if trimmed.hasPrefix(RFC4716.beginPrefix) {
            self = try RFC4716.parse(trimmed)
        } else if trimmed.hasPrefix("-----BEGIN ") {
            self = try PEMPublicKey.parse(trimmed)
        } else {
            self = try OpenSSHLine.parse(trimmed)
        }
    }

    /// A public key from its wire blob, e.g. as stored earlier from ``blob``.
    public init(blob: [UInt8], comment: String? = nil) throws(PublicKeyParseError) {
        if let comment, comment.containsControlCharacter { throw .invalidComment }
        try self.init(validating: blob, declaredAlgorithm: nil, comment: comment)
    }

    /// Walks and checks `blob`; `declaredAlgorithm` is the type name written in front of it, if any.
    init(validating blob: [UInt8], declaredAlgorithm: String?, comment: String?) throws(PublicKeyParseError) {
        let parsed = try KeyBlob.parse(blob, declaredName: declaredAlgorithm)
        self.algorithm = parsed.type.name
        self.blob = blob
        self.comment = comment.flatMap { $0.isEmpty ? nil : $0 }
        self.kind = parsed.material.kind
        self.bits = parsed.material.bits
        self.envelope = parsed.type.envelope
        self.plainBlob = parsed.material.plainBlob
    }

    /// True for OpenSSH certificates (v01 and legacy v00).
    public var isCertificate: Bool { envelope != .plain }

    /// For a certificate, the certified plain key (with the same comment); otherwise the key itself.
    public var plainKey: PublicKey {
        guard isCertificate else { return self }
        // The plain blob was produced by `KeyMaterial.read`, so it parses.
        return (try? PublicKey(validating: plainBlob, declaredAlgorithm: nil, comment: comment)) ?? self
    }

    /// `<algorithm> <base64 blob>`, without comment.
    public var openSSHLine: String {
        algorithm + " " + Data(blob).base64EncodedString()
    }

    /// The `authorized_keys` line: ``openSSHLine`` followed by ` <comment>` when there is one.
    public var authorizedKeysLine: String {
        comment.map { openSSHLine + " " + $0 } ?? openSSHLine
    }

    /// MD5 of the plain key blob as lowercase hex pairs joined by `:`, e.g. `3d:0b:…:43`:
    /// what `ssh-keygen -l -E md5` prints after its `MD5:` prefix. A certificate has its key's fingerprint.
    public var md5Fingerprint: String {
        let digits = Array("0123456789abcdef")
        return Insecure.MD5.hash(data: plainBlob)
            .map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]]) }
            .joined(separator: ":")
    }

    /// `SHA256:` and the unpadded base64 SHA-256 of the plain key blob, as `ssh-keygen -l` prints it.
    /// A certificate has its key's fingerprint.
    public var sha256Fingerprint: String {
        let digest = Data(SHA256.hash(data: plainBlob)).base64EncodedString()
        return "SHA256:" + digest.prefix(while: { $0 != "=" })
    }
}

extension PrivateKeyFormat {
    /// The private key format whose armour appears anywhere in `text`, if any.
    static func detect(in text: Substring) -> PrivateKeyFormat? {
        for line in text.split(whereSeparator: \.isNewline) {
            let line = line.trimmingWhitespace()
            if line.hasPrefix("PuTTY-User-Key-File-") { return .putty }
            if line.hasPrefix("---- BEGIN SSH2 ENCRYPTED PRIVATE KEY") { return .sshCom }
            guard line.hasPrefix("-----BEGIN "), line.contains("PRIVATE KEY") else { continue }
            let label = line.dropFirst("-----BEGIN ".count).prefix(while: { $0 != "-" })
            switch label {
            case "OPENSSH PRIVATE KEY": return .openSSH
            case "RSA PRIVATE KEY": return .pkcs1RSA
            case "PRIVATE KEY": return .pkcs8
            case "ENCRYPTED PRIVATE KEY": return .encryptedPKCS8
            case "EC PRIVATE KEY": return .sec1EC
            case "DSA PRIVATE KEY": return .dsa
            default: return .other
            }
        }
        return nil
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (spaces, tabs, CR, LF and other Unicode whitespace).
    func trimmingWhitespace() -> SubSequence {
        let start = firstIndex(where: { !$0.isWhitespace }) ?? endIndex
        let end = lastIndex(where: { !$0.isWhitespace }).map { index(after: $0) } ?? start
        return self[start..<end]
    }

    /// True when any character is a control character (line breaks, tabs, NUL, …).
    var containsControlCharacter: Bool {
        unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}
