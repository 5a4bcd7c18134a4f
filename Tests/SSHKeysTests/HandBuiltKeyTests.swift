import Foundation
import Testing
@testable import SSHKeys

/// Keys ssh-keygen cannot make here (security keys need a token; v00 certificates were dropped in OpenSSH 7.0),
/// built field by field and, where ssh-keygen can read them, checked against it.
@Suite struct HandBuiltKeyTests {
    static func skEd25519() -> [UInt8] {
        Blobs.build {
            $0.writeString("sk-ssh-ed25519@openssh.com")
            $0.writeString(Blobs.ed25519Key)
            $0.writeString("ssh:")
        }
    }

    /// An sk-ecdsa key around the P-256 point of a fresh ssh-keygen ECDSA key.
    static func skECDSA(in directory: TemporaryDirectory) throws -> [UInt8] {
        try Tools.sshKeygen(["-q", "-N", "", "-t", "ecdsa", "-b", "256", "-f", directory.file("ec").path])
        let fields = try Blobs.strings(try Blobs.base64Blob(ofLine: try directory.read("ec.pub")))
        return Blobs.build {
            $0.writeString("sk-ecdsa-sha2-nistp256@openssh.com")
            $0.writeString("nistp256")
            $0.writeString(fields[2])
            $0.writeString("ssh:keyward")
        }
    }

    @Test func securityKeysAndTheirCertificatesMatchSSHKeygen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Tools.sshKeygen(["-q", "-N", "", "-t", "ed25519", "-f", directory.file("ca").path])
        let skECDSA = try Self.skECDSA(in: directory)
        let keys: [(name: String, kind: PublicKeyKind, blob: [UInt8])] = [
            ("sked", .skEd25519, Self.skEd25519()),
            ("skec", .skEcdsaP256, skECDSA),
        ]
        for (name, kind, blob) in keys {
            let line = Blobs.line(kind.keyTypeName, blob, comment: "token")
            let file = try directory.write(line + "\n", to: name + ".pub")
            let key = try PublicKey(parsing: line)
            #expect(key.kind == kind)
            #expect(key.algorithm == kind.keyTypeName)
            #expect(key.bits == 256)
            #expect(key.comment == "token")
            try expectFingerprints(of: key, equal: file, bits: 256, label: kind.displayName)

            try Tools.sshKeygen(["-q", "-s", directory.file("ca").path, "-I", "id", "-n", "root", "-V", "+52w", file.path])
            let certificate = try PublicKey(parsing: try directory.read(name + "-cert.pub"))
            #expect(certificate.isCertificate)
            #expect(certificate.algorithm == kind.certificateTypeName)
            #expect(certificate.sha256Fingerprint == key.sha256Fingerprint)
            try expectFingerprints(of: certificate, equal: directory.file(name + "-cert.pub"), bits: 256, label: kind.displayName + "-CERT")
        }
    }

    /// v00 layout: key fields first, no serial, one options field, then the nonce.
    @Test(arguments: ["rsa", "dsa"])
    func legacyV00CertificatesHaveTheirKeysFingerprint(type: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Tools.sshKeygen(["-q", "-N", "", "-t", type, "-f", directory.file("key").path])
        let plainLine = try directory.read("key.pub")
        let plainBlob = try Blobs.base64Blob(ofLine: plainLine)
        let typeName = type == "rsa" ? "ssh-rsa-cert-v00@openssh.com" : "ssh-dss-cert-v00@openssh.com"
        let blob = Blobs.certificate(typeName: typeName, keyFields: try Blobs.keyFields(of: plainBlob), legacy: true)

        let certificate = try PublicKey(parsing: Blobs.line(typeName, blob, comment: "old"))
        #expect(certificate.isCertificate)
        #expect(certificate.algorithm == typeName)
        let expectedKind: PublicKeyKind = type == "rsa" ? .rsa : .dsa
        #expect(certificate.kind == expectedKind)
        #expect(certificate.comment == "old")
        #expect(certificate.plainKey.blob == plainBlob)
        try expectFingerprints(of: certificate, equal: directory.file("key.pub"), bits: certificate.bits, label: type == "rsa" ? "RSA" : "DSA")

        // The same fields in the v01 order are not a valid v00 certificate.
        let v01Layout = Blobs.certificate(typeName: typeName, keyFields: try Blobs.keyFields(of: plainBlob), legacy: false)
        #expect(throws: PublicKeyParseError.self) { _ = try PublicKey(blob: v01Layout) }
    }

    @Test func handBuiltV01CertificateWalksEveryField() throws {
        let keyFields = try Blobs.keyFields(of: Blobs.ed25519)
        let blob = Blobs.certificate(typeName: "ssh-ed25519-cert-v01@openssh.com", keyFields: keyFields, certificateType: 2)
        let certificate = try PublicKey(blob: blob)
        #expect(certificate.isCertificate)
        #expect(certificate.kind == .ed25519)
        #expect(certificate.plainKey.blob == Blobs.ed25519)
        #expect(certificate.sha256Fingerprint == (try PublicKey(blob: Blobs.ed25519)).sha256Fingerprint)
        #expect(certificate.md5Fingerprint == (try PublicKey(blob: Blobs.ed25519)).md5Fingerprint)
    }
}
