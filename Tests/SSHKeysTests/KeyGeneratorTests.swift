import Foundation
import Testing
@testable import SSHKeys

/// Generated private keys must be read by OpenSSH itself and give back the same public key.
@Suite struct KeyGeneratorTests {
    @Test(arguments: KeyAlgorithm.allCases)
    func sshKeygenDerivesTheSamePublicKey(algorithm: KeyAlgorithm) throws {
        let pair = try KeyGenerator.generate(algorithm, comment: "generated@keyward")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write(pair.privateKeyPEM, to: "id", permissions: 0o600)

        let derived = try Tools.sshKeygen(["-y", "-f", file.path])
        #expect(derived.typeAndBase64 == pair.publicKey.openSSHLine)
        #expect(pair.publicKey.comment == "generated@keyward")
        #expect(pair.publicKey.authorizedKeysLine == pair.publicKey.openSSHLine + " generated@keyward")

        let publicFile = try directory.write(pair.publicKey.authorizedKeysLine + "\n", to: "id.pub")
        switch algorithm {
        case .rsa2048:
            #expect(pair.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            #expect(pair.publicKey.kind == .rsa)
            #expect(pair.publicKey.algorithm == "ssh-rsa")
            try expectFingerprints(of: pair.publicKey, equal: publicFile, bits: 2048, label: "RSA")
        case .ed25519:
            #expect(pair.privateKeyPEM.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----\n"))
            #expect(pair.privateKeyPEM.hasSuffix("-----END OPENSSH PRIVATE KEY-----\n"))
            #expect(pair.publicKey.kind == .ed25519)
            #expect(pair.publicKey.algorithm == "ssh-ed25519")
            try expectFingerprints(of: pair.publicKey, equal: publicFile, bits: 256, label: "ED25519")
            // The comment travels inside the OpenSSH private key too.
            #expect(derived.trimmingWhitespaceForTests().hasSuffix(" generated@keyward"))
        }
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func eachGenerationIsANewKey(algorithm: KeyAlgorithm) throws {
        let first = try KeyGenerator.generate(algorithm)
        let second = try KeyGenerator.generate(algorithm)
        #expect(first.publicKey.sha256Fingerprint != second.publicKey.sha256Fingerprint)
        #expect(first.publicKey.comment == nil)
        #expect(first.publicKey.authorizedKeysLine == first.publicKey.openSSHLine)
    }

    @Test func printingAKeyPairNeverShowsThePrivateKey() throws {
        let pair = try KeyGenerator.generate(.ed25519)
        for text in [String(describing: pair), String(reflecting: pair), "\(pair)"] {
            #expect(!text.contains("PRIVATE"))
            #expect(text.contains(pair.publicKey.sha256Fingerprint))
        }
        var dumped = ""
        dump(pair, to: &dumped)
        #expect(!dumped.contains("PRIVATE"))
    }

    @Test func commentWithLineBreakIsRefused() {
        #expect(throws: KeyGenerationError.invalidComment) {
            _ = try KeyGenerator.generate(.ed25519, comment: "evil\nssh-rsa AAAA")
        }
    }

    @Test func algorithmRawValuesAreStable() {
        #expect(KeyAlgorithm(rawValue: "rsa") == .rsa2048)
        #expect(KeyAlgorithm(rawValue: "ed25519") == .ed25519)
    }
}
