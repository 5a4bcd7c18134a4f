import Foundation
import Synchronization
import Testing
@testable import SSHKeys

/// A key type ssh-keygen makes, and what parsing its output must report.
struct KeygenSpec: Sendable, CustomTestStringConvertible {
    let type: String
    let bits: Int?
    let kind: PublicKeyKind
    let expectedBits: Int

    var testDescription: String { bits.map { "\(type)-\($0)" } ?? type }

    var keygenArguments: [String] { ["-t", type] + (bits.map { ["-b", String($0)] } ?? []) }
    /// `ssh-keygen -e -m PKCS8` exports these; OpenSSH 9 cannot export Ed25519 that way.
    var exportsPKCS8: Bool { kind != .ed25519 }

    static let all: [KeygenSpec] = [
        KeygenSpec(type: "rsa", bits: 1024, kind: .rsa, expectedBits: 1024),
        KeygenSpec(type: "rsa", bits: 2048, kind: .rsa, expectedBits: 2048),
        KeygenSpec(type: "rsa", bits: 3072, kind: .rsa, expectedBits: 3072),
        KeygenSpec(type: "rsa", bits: 4096, kind: .rsa, expectedBits: 4096),
        KeygenSpec(type: "dsa", bits: nil, kind: .dsa, expectedBits: 1024),
        KeygenSpec(type: "ecdsa", bits: 256, kind: .ecdsaP256, expectedBits: 256),
        KeygenSpec(type: "ecdsa", bits: 384, kind: .ecdsaP384, expectedBits: 384),
        KeygenSpec(type: "ecdsa", bits: 521, kind: .ecdsaP521, expectedBits: 521),
        KeygenSpec(type: "ed25519", bits: nil, kind: .ed25519, expectedBits: 256),
    ]

    /// Key pairs ssh-keygen made, one per spec and run: the large RSA keys take seconds of CPU each.
    private static let made = Mutex<[String: (privateKey: String, publicLine: String)]>([:])

    /// Writes a key pair of this spec, made by ssh-keygen once per run, as `key` and `key.pub` in `directory`; the
    /// public line carries `comment`.
    func writeKeyPair(to directory: TemporaryDirectory, comment: String) throws {
        let pair: (privateKey: String, publicLine: String)
        if let known = Self.made.withLock({ $0[testDescription] }) {
            pair = known
        } else {
            let scratch = try TemporaryDirectory()
            defer { scratch.remove() }
            try Tools.sshKeygen(["-q", "-N", "", "-f", scratch.file("key").path] + keygenArguments)
            pair = (try scratch.read("key"), try scratch.read("key.pub").typeAndBase64)
            Self.made.withLock { $0[testDescription] = pair }
        }
        try directory.write(pair.privateKey, to: "key", permissions: 0o600)
        try directory.write(pair.publicLine + " " + comment + "\n", to: "key.pub")
    }
}

/// Keys, certificates and exported forms made by the real ssh-keygen, compared with what ssh-keygen says about them.
@Suite struct OpenSSHFixtureTests {
    @Test(arguments: KeygenSpec.all)
    func publicKeyFileParsesWithSSHKeygenFingerprints(spec: KeygenSpec) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try spec.writeKeyPair(to: directory, comment: "fixture comment")
        let text = try directory.read("key.pub")

        let key = try PublicKey(parsing: text)
        #expect(key.kind == spec.kind)
        #expect(key.algorithm == spec.kind.keyTypeName)
        #expect(key.bits == spec.expectedBits)
        #expect(!key.isCertificate)
        #expect(key.comment == "fixture comment")
        #expect(key.openSSHLine == text.typeAndBase64)
        #expect(key.authorizedKeysLine == text.trimmingWhitespaceForTests())
        try expectFingerprints(of: key, equal: directory.file("key.pub"), bits: spec.expectedBits, label: spec.kind.displayName)
    }

    @Test(arguments: KeygenSpec.all)
    func exportedFormsParseToTheSameKey(spec: KeygenSpec) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try spec.writeKeyPair(to: directory, comment: "exported")
        let original = try PublicKey(parsing: try directory.read("key.pub"))

        // RFC 4716, as `ssh-keygen -e` writes it, with its quoted Comment header.
        let rfc4716 = try Tools.sshKeygen(["-e", "-f", directory.file("key.pub").path])
        let fromRFC4716 = try PublicKey(parsing: rfc4716)
        #expect(fromRFC4716.openSSHLine == original.openSSHLine)
        #expect(fromRFC4716.sha256Fingerprint == original.sha256Fingerprint)
        #expect(fromRFC4716.comment?.contains("converted by") == true)
        #expect(try PublicKey(parsing: rfc4716.replacingOccurrences(of: "\n", with: "\r\n")) == fromRFC4716)

        if spec.exportsPKCS8 {
            let spki = try Tools.sshKeygen(["-e", "-m", "PKCS8", "-f", directory.file("key.pub").path])
            #expect(spki.hasPrefix("-----BEGIN PUBLIC KEY-----"))
            let fromSPKI = try PublicKey(parsing: spki)
            #expect(fromSPKI.openSSHLine == original.openSSHLine)
            #expect(fromSPKI.md5Fingerprint == original.md5Fingerprint)
            #expect(fromSPKI.comment == nil)
            // ssh-keygen's own import of the same PEM gives the same line.
            let pemFile = try directory.write(spki, to: "key.spki.pem")
            let imported = try Tools.sshKeygen(["-i", "-m", "PKCS8", "-f", pemFile.path])
            #expect(imported.typeAndBase64 == fromSPKI.openSSHLine)
        }

        if spec.kind == .rsa {
            let pkcs1 = try Tools.sshKeygen(["-e", "-m", "PEM", "-f", directory.file("key.pub").path])
            #expect(pkcs1.hasPrefix("-----BEGIN RSA PUBLIC KEY-----"))
            let fromPKCS1 = try PublicKey(parsing: pkcs1)
            #expect(fromPKCS1.openSSHLine == original.openSSHLine)
            let pemFile = try directory.write(pkcs1, to: "key.pkcs1.pem")
            let imported = try Tools.sshKeygen(["-i", "-m", "PEM", "-f", pemFile.path])
            #expect(imported.typeAndBase64 == fromPKCS1.openSSHLine)
        }
    }

    /// OpenSSH fingerprints a certificate by its plain key (`sshkey_fingerprint_raw` with `force_plain`).
    @Test(arguments: KeygenSpec.all)
    func certificateHasItsKeysFingerprint(spec: KeygenSpec) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Tools.sshKeygen(["-q", "-N", "", "-t", "ed25519", "-f", directory.file("ca").path])
        try spec.writeKeyPair(to: directory, comment: "cert comment")
        try Tools.sshKeygen(["-q", "-s", directory.file("ca").path, "-I", "id", "-n", "root", "-V", "+52w", directory.file("key.pub").path])

        let plain = try PublicKey(parsing: try directory.read("key.pub"))
        let certificate = try PublicKey(parsing: try directory.read("key-cert.pub"))
        #expect(certificate.isCertificate)
        #expect(certificate.algorithm == spec.kind.certificateTypeName)
        #expect(certificate.kind == spec.kind)
        #expect(certificate.bits == spec.expectedBits)
        #expect(certificate.comment == "cert comment")
        #expect(certificate.md5Fingerprint == plain.md5Fingerprint)
        #expect(certificate.sha256Fingerprint == plain.sha256Fingerprint)
        #expect(certificate.plainKey.openSSHLine == plain.openSSHLine)
        #expect(certificate.openSSHLine == (try directory.read("key-cert.pub")).typeAndBase64)
        try expectFingerprints(
            of: certificate,
            equal: directory.file("key-cert.pub"),
            bits: spec.expectedBits,
            label: spec.kind.displayName + "-CERT"
        )
    }

    /// OpenSSH strips leading zero bytes of an `mpint` and fingerprints the re-encoded key.
    @Test func nonMinimalIntegersFingerprintLikeSSHKeygen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Tools.sshKeygen(["-q", "-N", "", "-t", "rsa", "-b", "1024", "-f", directory.file("key").path])
        let fields = try Blobs.strings(try Blobs.base64Blob(ofLine: try directory.read("key.pub")))
        let padded = Blobs.build {
            $0.writeString("ssh-rsa")
            $0.writeString([0, 0] + fields[1])
            $0.writeString([0] + fields[2])
        }
        let line = Blobs.line("ssh-rsa", padded)
        let file = try directory.write(line + "\n", to: "padded.pub")

        let key = try PublicKey(parsing: line)
        #expect(key.blob == padded)
        #expect(key.bits == 1024)
        try expectFingerprints(of: key, equal: file, bits: 1024, label: "RSA")
        #expect(key.sha256Fingerprint == (try PublicKey(parsing: try directory.read("key.pub"))).sha256Fingerprint)
    }
}

/// Compares both fingerprints, the bit count and the type label with `ssh-keygen -l` on `file`.
func expectFingerprints(of key: PublicKey, equal file: URL, bits: Int, label: String) throws {
    let sha256 = try Tools.fingerprint(of: file, hash: "sha256")
    let md5 = try Tools.fingerprint(of: file, hash: "md5")
    #expect(key.sha256Fingerprint == sha256.fingerprint)
    #expect("MD5:" + key.md5Fingerprint == md5.fingerprint)
    #expect(sha256.bits == bits)
    #expect(key.bits == sha256.bits)
    #expect(sha256.label == "(\(label))")
}
