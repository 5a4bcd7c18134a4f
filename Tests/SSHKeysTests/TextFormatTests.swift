import Foundation
import Testing
@testable import SSHKeys

/// The ways one key can be pasted: surrounding whitespace, CRLF, RFC 4716 headers, PEM, bare base64.
@Suite struct TextFormatTests {
    static let base64 = Data(Blobs.ed25519).base64EncodedString()
    static let line = "ssh-ed25519 " + base64

    @Test func surroundingWhitespaceAndCRLFAreTolerated() throws {
        let key = try PublicKey(parsing: "\r\n  \t" + Self.line + "  me@host \r\n\r\n")
        #expect(key.openSSHLine == Self.line)
        #expect(key.comment == "me@host")
        #expect(key.authorizedKeysLine == Self.line + " me@host")
    }

    @Test func commentKeepsItsInnerSpacesAndNoCommentIsNil() throws {
        #expect(try PublicKey(parsing: Self.line + " Jane Doe  (laptop)").comment == "Jane Doe  (laptop)")
        let bare = try PublicKey(parsing: Self.line)
        #expect(bare.comment == nil)
        #expect(bare.authorizedKeysLine == Self.line)
    }

    @Test func commentLinesAroundTheKeyAreIgnored() throws {
        let key = try PublicKey(parsing: "# my key\n" + Self.line + " me\n# end\n")
        #expect(key.comment == "me")
    }

    @Test func bareBase64BlobIsAccepted() throws {
        let key = try PublicKey(parsing: Self.base64 + "\n")
        #expect(key.algorithm == "ssh-ed25519")
        #expect(key.blob == Blobs.ed25519)
    }

    @Test func rfc4716HeadersContinuationAndQuotedComment() throws {
        let body = Array(Self.base64)
        let block = [
            "---- BEGIN SSH2 PUBLIC KEY ----",
            "Subject: jane",
            "Comment: \"Jane's key, made on a \\",
            "very long afternoon\"",
            "x-command: /bin/true",
            String(body.prefix(30)),
            String(body.dropFirst(30)),
            "---- END SSH2 PUBLIC KEY ----",
        ].joined(separator: "\r\n")
        let key = try PublicKey(parsing: block)
        #expect(key.comment == "Jane's key, made on a very long afternoon")
        #expect(key.openSSHLine == Self.line)
    }

    @Test func rfc4716UnquotedCommentAndNoHeaders() throws {
        let withComment = "---- BEGIN SSH2 PUBLIC KEY ----\nComment: plain words\n\(Self.base64)\n---- END SSH2 PUBLIC KEY ----\n"
        #expect(try PublicKey(parsing: withComment).comment == "plain words")
        let withoutHeaders = "---- BEGIN SSH2 PUBLIC KEY ----\n\(Self.base64)\n---- END SSH2 PUBLIC KEY ----"
        #expect(try PublicKey(parsing: withoutHeaders).comment == nil)
    }

    @Test func ed25519SubjectPublicKeyInfoMatchesTheOpenSSHKey() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Tools.sshKeygen(["-q", "-N", "", "-t", "ed25519", "-f", directory.file("key").path])
        let line = try directory.read("key.pub")
        let raw = try Blobs.strings(try Blobs.base64Blob(ofLine: line))[1]
        // SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (0 unused bits) <32 bytes> } (RFC 8410)
        let der: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + raw
        let pem = "-----BEGIN PUBLIC KEY-----\n" + Data(der).base64EncodedString() + "\n-----END PUBLIC KEY-----\n"
        let key = try PublicKey(parsing: pem)
        #expect(key.openSSHLine == line.typeAndBase64)
        try expectFingerprints(of: key, equal: directory.file("key.pub"), bits: 256, label: "ED25519")
    }

    @Test func rsaPEMBelow2048BitsIsReadAndBelow1024Refused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Tools.sshKeygen(["-q", "-N", "", "-t", "rsa", "-b", "1024", "-f", directory.file("key").path])
        let pkcs1 = try Tools.sshKeygen(["-e", "-m", "PEM", "-f", directory.file("key.pub").path])
        #expect(try PublicKey(parsing: pkcs1).bits == 1024)

        // RSAPublicKey ::= SEQUENCE { n INTEGER (512 bits), e INTEGER 65537 }
        let modulus: [UInt8] = [0x00, 0xC3] + [UInt8](repeating: 0x55, count: 63)
        let der: [UInt8] = [0x30, 0x48, 0x02, 0x41] + modulus + [0x02, 0x03, 0x01, 0x00, 0x01]
        let small = "-----BEGIN RSA PUBLIC KEY-----\n" + Data(der).base64EncodedString() + "\n-----END RSA PUBLIC KEY-----\n"
        #expect(throws: PublicKeyParseError.rsaKeyTooSmall(bits: 512)) {
            _ = try PublicKey(parsing: small)
        }
    }

    @Test func blobInitializerRoundTrips() throws {
        let key = try PublicKey(parsing: Self.line + " c")
        let again = try PublicKey(blob: key.blob, comment: key.comment)
        #expect(again == key)
        #expect(try PublicKey(parsing: key.authorizedKeysLine) == key)
    }

    @Test func kindNamesFollowOpenSSH() {
        #expect(PublicKeyKind.skEd25519.certificateTypeName == "sk-ssh-ed25519-cert-v01@openssh.com")
        #expect(PublicKeyKind.skEcdsaP256.certificateTypeName == "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com")
        #expect(PublicKeyKind.ecdsaP521.certificateTypeName == "ecdsa-sha2-nistp521-cert-v01@openssh.com")
        #expect(PublicKeyKind.rsa.certificateTypeName == "ssh-rsa-cert-v01@openssh.com")
        #expect(KeyTypeName("ssh-dss-cert-v00@openssh.com") == KeyTypeName(kind: .dsa, envelope: .certificateV00))
        #expect(KeyTypeName("ssh-ed25519-cert-v00@openssh.com") == nil)
    }
}

@Suite struct WireTests {
    @Test func writerEncodesIntegersStringsAndMinimalMPInts() {
        var writer = SSHWireWriter()
        writer.writeUInt32(0x0102_0304)
        writer.writeUInt64(0x0A0B_0C0D_0E0F_1011)
        writer.writeString("ab")
        writer.writeMPInt(unsignedBigEndian: [0x00, 0x00, 0x80])
        writer.writeMPInt(unsignedBigEndian: [0x00, 0x7F])
        writer.writeMPInt(unsignedBigEndian: [0x00])
        #expect(writer.bytes == [
            0x01, 0x02, 0x03, 0x04,
            0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11,
            0, 0, 0, 2, 0x61, 0x62,
            0, 0, 0, 2, 0x00, 0x80,
            0, 0, 0, 1, 0x7F,
            0, 0, 0, 0,
        ])
    }

    @Test func readerRefusesLengthsPastTheEnd() throws {
        #expect(throws: SSHWireError.truncated(needed: 0xFFFF_FFFF, available: 1)) {
            var reader = SSHWireReader([0xFF, 0xFF, 0xFF, 0xFF, 0x01])
            _ = try reader.readString()
        }
        #expect(throws: SSHWireError.truncated(needed: 4, available: 2)) {
            var reader = SSHWireReader([0x00, 0x01])
            _ = try reader.readUInt32()
        }
        var exact = SSHWireReader([0, 0, 0, 1, 0x41, 0, 0, 0, 0, 0, 0, 0, 9])
        let string = try exact.readString()
        let number = try exact.readUInt64()
        #expect(Array(string) == [0x41])
        #expect(number == 9)
        #expect(exact.isAtEnd)
    }
}
