import Foundation
import SSHKeys

/// The container format of a private key found in a file.
public enum PrivateKeyContainer: String, Sendable, Hashable {
    case openSSH = "OpenSSH private key"
    case pkcs1RSA = "PKCS#1 RSA private key (PEM)"
    case sec1EC = "SEC1 EC private key (PEM)"
    case dsa = "DSA private key (PEM)"
    case pkcs8 = "PKCS#8 private key"
    case encryptedPKCS8 = "encrypted PKCS#8 private key"
    case putty = "PuTTY private key"
    case sshCom = "SSH.com private key"
    case openPGP = "OpenPGP private key block"
    case otherPEM = "PEM private key"
}

/// One private key found in a file: where, in which format, whether it is encrypted, and the public half
/// when the file carries it in clear. Never any private material.
public struct PrivateKeyReport: Sendable, Hashable {
    public enum Encryption: Sendable, Hashable {
        case none
        /// Encrypted with a passphrase; the cipher when the file names it.
        case encrypted(cipher: String?)
        case unknown
    }

    public let container: PrivateKeyContainer
    /// 1-based line of the key's first line.
    public let line: Int
    public let encryption: Encryption
    public let publicKey: PublicKey?
    /// Why there is no public half, when there is none.
    public let publicKeyNote: String?

    /// True when the key can be used without a passphrase.
    public var isUnencrypted: Bool {
        if case .none = encryption { return true }
        return false
    }

    /// `OpenSSH private key, unencrypted, ED25519 256-bit key SHA256:…`.
    public var summary: String {
        let state: String
        switch encryption {
        case .none: state = "unencrypted"
        case .encrypted(let cipher): state = "encrypted" + (cipher.map { " (\($0))" } ?? "")
        case .unknown: state = "encryption not determined"
        }
        let half = publicKey.map { "public half \($0.summary)" } ?? (publicKeyNote ?? "public half unknown")
        return "\(container.rawValue), \(state), \(half)"
    }
}

/// Finds private keys in a file's bytes by their armour and reads what is readable without a passphrase.
public enum PrivateKeyInspector {
    public static func inspect(_ bytes: [UInt8]) -> [PrivateKeyReport] {
        let lines = ImageSnapshot.lines(of: bytes).map { $0.trimmingCharacters(in: .whitespaces) }
        var reports: [PrivateKeyReport] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("-----BEGIN "), line.contains("PRIVATE KEY"), let label = pemLabel(line) {
                let block = pemBlock(lines, from: index)
                reports.append(inspectPEM(label: label, headers: block.headers, body: block.body, line: index + 1))
                index = block.next
            } else if line.hasPrefix("PuTTY-User-Key-File-") {
                reports.append(inspectPuTTY(lines, from: index))
                index += 1
            } else if line.hasPrefix("---- BEGIN SSH2 ENCRYPTED PRIVATE KEY") {
                reports.append(PrivateKeyReport(container: .sshCom, line: index + 1, encryption: .unknown, publicKey: nil,
                                                publicKeyNote: "public half not stored in clear"))
                index += 1
            } else {
                index += 1
            }
        }
        return reports
    }

    /// `RSA ` from `-----BEGIN RSA PRIVATE KEY-----`; "" for PKCS#8.
    private static func pemLabel(_ line: String) -> String? {
        let afterBegin = line.dropFirst("-----BEGIN ".count)
        guard let range = afterBegin.range(of: "PRIVATE KEY") else { return nil }
        return String(afterBegin[afterBegin.startIndex..<range.lowerBound]).trimmingCharacters(in: .whitespaces)
    }

    private struct PEMBlock {
        var headers: [String: String] = [:]
        var body = ""
        var next: Int
    }

    /// Headers (`Proc-Type: …`) and base64 body up to the END line.
    private static func pemBlock(_ lines: [String], from start: Int) -> PEMBlock {
        var block = PEMBlock(next: lines.count)
        var index = start + 1
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("-----END ") {
                block.next = index + 1
                return block
            }
            if let colon = line.firstIndex(of: ":") {
                let key = line[line.startIndex..<colon].trimmingCharacters(in: .whitespaces)
                block.headers[key.lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            } else {
                block.body += line
            }
            index += 1
        }
        return block
    }

    private static func inspectPEM(label: String, headers: [String: String], body: String, line: Int) -> PrivateKeyReport {
        let der = Data(base64Encoded: body, options: .ignoreUnknownCharacters).map { [UInt8]($0) }
        let procEncrypted = headers["proc-type"].map { $0.uppercased().contains("ENCRYPTED") } ?? false
        let legacyCipher = headers["dek-info"].flatMap { info in info.split(separator: ",").first.map(String.init) }
        let legacyEncryption: PrivateKeyReport.Encryption = procEncrypted ? .encrypted(cipher: legacyCipher) : .none
        switch label {
        case "OPENSSH":
            return inspectOpenSSH(der, line: line)
        case "RSA":
            let blob = procEncrypted ? nil : der.flatMap(PublicHalf.rsa(pkcs1:))
            return report(.pkcs1RSA, line, legacyEncryption, blob, encrypted: procEncrypted)
        case "EC":
            let blob = procEncrypted ? nil : der.flatMap { PublicHalf.ec(sec1: $0, curve: nil) }
            return report(.sec1EC, line, legacyEncryption, blob, encrypted: procEncrypted)
        case "DSA":
            let blob = procEncrypted ? nil : der.flatMap(PublicHalf.dsa(der:))
            return report(.dsa, line, legacyEncryption, blob, encrypted: procEncrypted)
        case "":
            let extracted = der.map(PublicHalf.pkcs8) ?? (blob: nil, note: "key data is not valid base64")
            return PrivateKeyReport(container: .pkcs8, line: line, encryption: .none, publicKey: extracted.blob.flatMap(publicKey),
                                    publicKeyNote: extracted.note)
        case "ENCRYPTED":
            return PrivateKeyReport(container: .encryptedPKCS8, line: line, encryption: .encrypted(cipher: nil), publicKey: nil,
                                    publicKeyNote: "public half not stored in clear")
        default:
            let container: PrivateKeyContainer = label.hasPrefix("PGP") ? .openPGP : .otherPEM
            return PrivateKeyReport(container: container, line: line, encryption: .unknown, publicKey: nil, publicKeyNote: nil)
        }
    }

    private static func report(_ container: PrivateKeyContainer, _ line: Int, _ encryption: PrivateKeyReport.Encryption, _ blob: [UInt8]?, encrypted: Bool) -> PrivateKeyReport {
        let key = blob.flatMap(publicKey)
        let note: String? = key != nil ? nil : (encrypted ? "public half not stored in clear" : "public half not readable")
        return PrivateKeyReport(container: container, line: line, encryption: encryption, publicKey: key, publicKeyNote: note)
    }

    /// openssh-key-v1: magic, cipher, kdf, kdf options, key count, then the public keys in clear.
    private static func inspectOpenSSH(_ der: [UInt8]?, line: Int) -> PrivateKeyReport {
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard let bytes = der, bytes.starts(with: magic) else {
            return PrivateKeyReport(container: .openSSH, line: line, encryption: .unknown, publicKey: nil, publicKeyNote: "container not readable")
        }
        var reader = WireReader(bytes, offset: magic.count)
        guard let cipher = reader.string(), reader.string() != nil, reader.string() != nil,
              let count = reader.uint32(), count >= 1, let blob = reader.string()
        else {
            return PrivateKeyReport(container: .openSSH, line: line, encryption: .unknown, publicKey: nil, publicKeyNote: "container not readable")
        }
        let cipherName = String(decoding: cipher, as: UTF8.self)
        let encryption: PrivateKeyReport.Encryption = cipherName == "none" ? .none : .encrypted(cipher: cipherName)
        let key = publicKey(blob)
        return PrivateKeyReport(container: .openSSH, line: line, encryption: encryption, publicKey: key,
                                publicKeyNote: key == nil ? "public half not readable" : nil)
    }

    /// PuTTY-User-Key-File-2/3: `Encryption:` and `Public-Lines: N` followed by N base64 lines, all in clear.
    private static func inspectPuTTY(_ lines: [String], from start: Int) -> PrivateKeyReport {
        var encryption: PrivateKeyReport.Encryption = .unknown
        var blob: [UInt8]?
        var index = start + 1
        while index < lines.count && index < start + 8 {
            let line = lines[index]
            if line.hasPrefix("Encryption:") {
                let cipher = line.dropFirst("Encryption:".count).trimmingCharacters(in: .whitespaces)
                encryption = cipher == "none" ? .none : .encrypted(cipher: cipher)
            } else if line.hasPrefix("Public-Lines:"), let count = Int(line.dropFirst("Public-Lines:".count).trimmingCharacters(in: .whitespaces)),
                      count >= 0, count < 64 {
                let text = lines[(index + 1)..<min(lines.count, index + 1 + count)].joined()
                blob = Data(base64Encoded: text, options: .ignoreUnknownCharacters).map { [UInt8]($0) }
                break
            }
            index += 1
        }
        let key = blob.flatMap(publicKey)
        return PrivateKeyReport(container: .putty, line: start + 1, encryption: encryption, publicKey: key,
                                publicKeyNote: key == nil ? "public half not readable" : nil)
    }

    static func publicKey(_ blob: [UInt8]) -> PublicKey? {
        try? PublicKey(blob: blob)
    }
}

/// Public halves that private key encodings carry in clear, as SSH key blobs.
enum PublicHalf {
    /// RSAPrivateKey ::= SEQUENCE { version, n, e, … } → `ssh-rsa` e n.
    static func rsa(pkcs1 der: [UInt8]) -> [UInt8]? {
        var reader = DERReader(der)
        guard let sequence = reader.next(), sequence.tag == DERReader.sequence else { return nil }
        let fields = DERReader.children(of: sequence)
        guard fields.count >= 3, fields.prefix(3).allSatisfy({ $0.tag == DERReader.integer }) else { return nil }
        var writer = WireWriter()
        writer.string("ssh-rsa")
        writer.string(fields[2].content)
        writer.string(fields[1].content)
        return writer.bytes
    }

    /// DSAPrivateKey ::= SEQUENCE { version, p, q, g, y, x } → `ssh-dss` p q g y.
    static func dsa(der: [UInt8]) -> [UInt8]? {
        var reader = DERReader(der)
        guard let sequence = reader.next(), sequence.tag == DERReader.sequence else { return nil }
        let fields = DERReader.children(of: sequence)
        guard fields.count >= 5, fields.prefix(5).allSatisfy({ $0.tag == DERReader.integer }) else { return nil }
        var writer = WireWriter()
        writer.string("ssh-dss")
        for field in fields[1...4] { writer.string(field.content) }
        return writer.bytes
    }

    /// ECPrivateKey ::= SEQUENCE { 1, privateKey, [0] curve OID, [1] public point } → `ecdsa-sha2-<curve>`.
    static func ec(sec1 der: [UInt8], curve: [UInt8]?) -> [UInt8]? {
        var reader = DERReader(der)
        guard let sequence = reader.next(), sequence.tag == DERReader.sequence else { return nil }
        var oid = curve
        var point: [UInt8]?
        for field in DERReader.children(of: sequence) {
            if field.tag == 0xa0, let inner = DERReader.children(of: field).first, inner.tag == DERReader.objectIdentifier {
                oid = inner.content
            } else if field.tag == 0xa1, let inner = DERReader.children(of: field).first, inner.tag == DERReader.bitString, inner.content.count > 1 {
                point = Array(inner.content.dropFirst())
            }
        }
        guard let oid, let curveName = KeyOID.curveName(oid), let point else { return nil }
        var writer = WireWriter()
        writer.string("ecdsa-sha2-" + curveName)
        writer.string(curveName)
        writer.string(point)
        return writer.bytes
    }

    /// PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING key, [0] attributes, [1] public key }.
    static func pkcs8(_ der: [UInt8]) -> (blob: [UInt8]?, note: String?) {
        var reader = DERReader(der)
        guard let sequence = reader.next(), sequence.tag == DERReader.sequence else { return (nil, "key data not readable") }
        let fields = DERReader.children(of: sequence)
        guard fields.count >= 3, fields[1].tag == DERReader.sequence, fields[2].tag == DERReader.octetString else {
            return (nil, "key data not readable")
        }
        let algorithm = DERReader.children(of: fields[1])
        guard let oid = algorithm.first, oid.tag == DERReader.objectIdentifier else { return (nil, "key data not readable") }
        switch oid.content {
        case KeyOID.rsaEncryption:
            let blob = rsa(pkcs1: fields[2].content)
            return (blob, blob == nil ? "public half not readable" : nil)
        case KeyOID.ecPublicKey:
            let curve = algorithm.count > 1 && algorithm[1].tag == DERReader.objectIdentifier ? algorithm[1].content : nil
            let blob = ec(sec1: fields[2].content, curve: curve)
            return (blob, blob == nil ? "public point not stored in the file" : nil)
        case KeyOID.ed25519:
            if let stored = fields.first(where: { $0.tag == 0x81 }), stored.content.count == 33 {
                var writer = WireWriter()
                writer.string("ssh-ed25519")
                writer.string(Array(stored.content.dropFirst()))
                return (writer.bytes, nil)
            }
            return (nil, "Ed25519 public half not stored in the file")
        case KeyOID.dsa:
            return (nil, "DSA public half must be computed; not derived")
        default:
            return (nil, "key algorithm not used by SSH")
        }
    }
}
