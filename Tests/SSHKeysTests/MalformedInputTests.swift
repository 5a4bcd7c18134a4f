import Foundation
import Testing
@testable import SSHKeys

/// One input that must be refused, and the exact error it must be refused with.
struct BadInput: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let expected: PublicKeyParseError

    var testDescription: String { name }

    init(_ name: String, _ text: String, _ expected: PublicKeyParseError) {
        self.name = name
        self.text = text
        self.expected = expected
    }

    static let validLine = Blobs.line("ssh-ed25519", Blobs.ed25519)

    static func pem(_ label: String, _ body: String = "MIIBOgIBAAJBAK") -> String {
        "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    static func ecdsa(curve: String, point: [UInt8]) -> String {
        Blobs.line("ecdsa-sha2-nistp256", Blobs.build {
            $0.writeString("ecdsa-sha2-nistp256")
            $0.writeString(curve)
            $0.writeString(point)
        })
    }

    static func certificate(certificateType: UInt32 = 1, signatureKey: [UInt8] = Blobs.ed25519, trailing: [UInt8] = []) -> [UInt8] {
        Blobs.certificate(
            typeName: "ssh-ed25519-cert-v01@openssh.com",
            keyFields: Array(Blobs.ed25519.dropFirst(4 + "ssh-ed25519".utf8.count)),
            certificateType: certificateType,
            signatureKey: signatureKey,
            trailing: trailing
        )
    }

    static let all: [BadInput] = {
        let base64 = Data(Blobs.ed25519).base64EncodedString()
        let brokenLine = "ssh-ed25519 " + String(base64.prefix(20)) + "\n" + String(base64.dropFirst(20)) + " me@host"
        let goodPoint: [UInt8] = [0x04] + [UInt8](repeating: 0x01, count: 64)
        return [
            BadInput("empty", "", .empty),
            BadInput("whitespace only", " \r\n\t \n", .empty),
            BadInput("from and no-pty options", "from=\"1.2.3.4\",no-pty " + validLine, .authorizedKeysOptions("from=\"1.2.3.4\",no-pty")),
            BadInput(
                "command option with spaces",
                "command=\"echo hello world\",no-agent-forwarding " + validLine + " user@host",
                .authorizedKeysOptions("command=\"echo hello world\",no-agent-forwarding")
            ),
            BadInput("restrict option", "restrict " + validLine, .authorizedKeysOptions("restrict")),
            BadInput("known_hosts host field", "host.example.com " + validLine, .authorizedKeysOptions("host.example.com")),
            BadInput("OpenSSH private key", pem("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU="), .privateKeyGiven(.openSSH)),
            BadInput("PKCS#1 RSA private key", pem("RSA PRIVATE KEY"), .privateKeyGiven(.pkcs1RSA)),
            BadInput("PKCS#8 private key", pem("PRIVATE KEY"), .privateKeyGiven(.pkcs8)),
            BadInput("encrypted PKCS#8 private key", pem("ENCRYPTED PRIVATE KEY"), .privateKeyGiven(.encryptedPKCS8)),
            BadInput("SEC1 EC private key", pem("EC PRIVATE KEY"), .privateKeyGiven(.sec1EC)),
            BadInput("DSA private key", pem("DSA PRIVATE KEY"), .privateKeyGiven(.dsa)),
            BadInput(
                "PuTTY private key",
                "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me\nPublic-Lines: 2\n",
                .privateKeyGiven(.putty)
            ),
            BadInput("SSH.com private key", "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nP2/56wAAA\n", .privateKeyGiven(.sshCom)),
            BadInput("public and private key together", validLine + "\n" + pem("OPENSSH PRIVATE KEY"), .privateKeyGiven(.openSSH)),
            BadInput("garbage words", "hello world", .unknownKeyType("hello")),
            BadInput("unknown key type", "ssh-foo AAAAB3NzaC1yc2E=", .unknownKeyType("ssh-foo")),
            BadInput("type without data", "ssh-ed25519", .missingKeyData(algorithm: "ssh-ed25519")),
            BadInput("bad base64", "ssh-ed25519 AAAA!!!!", .invalidBase64),
            BadInput("type mismatch", "ssh-rsa " + base64, .typeMismatch(declared: "ssh-rsa", encoded: "ssh-ed25519")),
            BadInput(
                "truncated blob",
                Blobs.line("ssh-ed25519", Array(Blobs.ed25519.dropLast(4))),
                .truncated(field: "Ed25519 public key")
            ),
            BadInput("trailing bytes", Blobs.line("ssh-ed25519", Blobs.ed25519 + [0, 0, 0, 0]), .trailingBytes(count: 4)),
            BadInput("RSA 512 bits", Blobs.line("ssh-rsa", Blobs.rsa(bits: 512)), .rsaKeyTooSmall(bits: 512)),
            BadInput("RSA even exponent", Blobs.line("ssh-rsa", Blobs.rsa(bits: 2048, exponent: [0x01, 0x00, 0x00])), .invalidRSAExponent),
            BadInput("RSA exponent 1", Blobs.line("ssh-rsa", Blobs.rsa(bits: 2048, exponent: [0x01])), .invalidRSAExponent),
            BadInput(
                "RSA negative modulus",
                Blobs.line("ssh-rsa", Blobs.build {
                    $0.writeString("ssh-rsa")
                    $0.writeMPInt(unsignedBigEndian: [0x01, 0x00, 0x01])
                    $0.writeString([0xC3] + [UInt8](repeating: 0x55, count: 255))
                }),
                .negativeInteger(field: "RSA modulus")
            ),
            BadInput("point not on the curve", ecdsa(curve: "nistp256", point: Blobs.offCurvePoint), .invalidCurvePoint(curve: "nistp256")),
            BadInput(
                "compressed point",
                ecdsa(curve: "nistp256", point: [0x02] + [UInt8](repeating: 0x01, count: 32)),
                .invalidCurvePoint(curve: "nistp256")
            ),
            BadInput("wrong curve name", ecdsa(curve: "nistp384", point: goodPoint), .curveMismatch(expected: "nistp256", found: "nistp384")),
            BadInput("two keys on two lines", validLine + "\n" + validLine + "\n", .multipleKeys(count: 2)),
            BadInput("two keys on one line", validLine + " " + validLine, .multipleKeys(count: 2)),
            BadInput(
                "key broken over two lines",
                brokenLine,
                .lineBreakInKey
            ),
            BadInput("too large", String(repeating: "A", count: 20_000), .inputTooLarge(bytes: 20_000, limit: 16_384)),
            BadInput(
                "Ed25519 key of 31 bytes",
                Blobs.line("ssh-ed25519", Blobs.build {
                    $0.writeString("ssh-ed25519")
                    $0.writeString([UInt8](repeating: 7, count: 31))
                }),
                .invalidEd25519Key(length: 31)
            ),
            BadInput(
                "security key without application",
                Blobs.line("sk-ssh-ed25519@openssh.com", Blobs.build {
                    $0.writeString("sk-ssh-ed25519@openssh.com")
                    $0.writeString(Blobs.ed25519Key)
                    $0.writeString("")
                }),
                .invalidApplication
            ),
            BadInput(
                "DSA 512 bits",
                Blobs.line("ssh-dss", Blobs.build {
                    $0.writeString("ssh-dss")
                    $0.writeMPInt(unsignedBigEndian: [0xC3] + [UInt8](repeating: 0x55, count: 63))
                    $0.writeMPInt(unsignedBigEndian: [UInt8](repeating: 0x33, count: 20))
                    $0.writeMPInt(unsignedBigEndian: [UInt8](repeating: 0x44, count: 64))
                    $0.writeMPInt(unsignedBigEndian: [UInt8](repeating: 0x22, count: 64))
                }),
                .dsaKeyTooSmall(bits: 512)
            ),
            BadInput("PEM certificate", pem("CERTIFICATE"), .unsupportedPEMType("CERTIFICATE")),
            BadInput(
                "X25519 SubjectPublicKeyInfo",
                pem("PUBLIC KEY", "MCowBQYDK2VuAyEAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="),
                .unsupportedPEMAlgorithm(oid: "1.3.101.110")
            ),
            BadInput(
                "two PEM public keys",
                pem("PUBLIC KEY", "MCowBQYDK2VwAyEAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
                    + pem("PUBLIC KEY", "MCowBQYDK2VwAyEAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="),
                .multipleKeys(count: 2)
            ),
            BadInput(
                "RFC 4716 block without END",
                "---- BEGIN SSH2 PUBLIC KEY ----\n" + base64 + "\n",
                .malformedRFC4716(reason: "the \"---- END SSH2 PUBLIC KEY ----\" line is missing")
            ),
            BadInput(
                "certificate of type 3",
                Blobs.line("ssh-ed25519-cert-v01@openssh.com", certificate(certificateType: 3)),
                .invalidCertificate(reason: "type 3 is neither user (1) nor host (2)")
            ),
            BadInput(
                "certificate signed by a certificate",
                Blobs.line("ssh-ed25519-cert-v01@openssh.com", certificate(signatureKey: certificate())),
                .invalidCertificate(reason: "the signature key is itself a certificate")
            ),
            BadInput(
                "certificate with trailing bytes",
                Blobs.line("ssh-ed25519-cert-v01@openssh.com", certificate(trailing: [0xFF])),
                .trailingBytes(count: 1)
            ),
            BadInput(
                "truncated certificate",
                Blobs.line("ssh-ed25519-cert-v01@openssh.com", Array(certificate().dropLast(10))),
                .truncated(field: "certificate signature")
            ),
        ]
    }()
}

@Suite struct MalformedInputTests {
    @Test(arguments: BadInput.all)
    func refusedWithThePreciseError(input: BadInput) {
        #expect(throws: input.expected) {
            _ = try PublicKey(parsing: input.text)
        }
        #expect(!input.expected.description.isEmpty)
    }

    @Test func theFixturesAroundTheBadInputsAreThemselvesValid() throws {
        let key = try PublicKey(parsing: BadInput.validLine)
        #expect(key.kind == .ed25519)
        let certificate = try PublicKey(blob: BadInput.certificate())
        #expect(certificate.isCertificate)
        let onCurve = try PublicKey(parsing: Blobs.line("ecdsa-sha2-nistp256", Blobs.build {
            $0.writeString("ecdsa-sha2-nistp256")
            $0.writeString("nistp256")
            $0.writeString(Self.p256Generator)
        }))
        #expect(onCurve.kind == .ecdsaP256)
        #expect(onCurve.bits == 256)
    }

    @Test func privateKeyErrorTellsToPasteThePublicKey() {
        let error = PublicKeyParseError.privateKeyGiven(.openSSH)
        #expect(error.description.contains("not a public key"))
        #expect(error.description.contains("ssh-keygen -y"))
    }

    @Test func optionsErrorTellsToRemoveThem() {
        #expect(PublicKeyParseError.authorizedKeysOptions("no-pty").description.contains("remove"))
    }

    @Test func commentWithLineBreakIsRefusedForBlobs() {
        #expect(throws: PublicKeyParseError.invalidComment) {
            _ = try PublicKey(blob: Blobs.ed25519, comment: "a\nb")
        }
    }

    /// The P-256 base point G, uncompressed: a point known to be on the curve.
    static let p256Generator: [UInt8] = [0x04] + hex("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296")
        + hex("4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
