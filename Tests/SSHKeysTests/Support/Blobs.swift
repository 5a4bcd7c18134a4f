import Foundation
@testable import SSHKeys

/// Hand-built key blobs for inputs no tool will produce (security keys, legacy certificates, broken keys).
enum Blobs {
    static func build(_ fields: (inout SSHWireWriter) -> Void) -> [UInt8] {
        var writer = SSHWireWriter()
        fields(&writer)
        return writer.bytes
    }

    static func line(_ type: String, _ blob: [UInt8], comment: String? = nil) -> String {
        let base = type + " " + Data(blob).base64EncodedString()
        return comment.map { base + " " + $0 } ?? base
    }

    /// The fields of a blob as raw strings (the type name first), for taking keys apart.
    static func strings(_ blob: [UInt8]) throws -> [[UInt8]] {
        var reader = SSHWireReader(blob)
        var fields: [[UInt8]] = []
        while !reader.isAtEnd { fields.append(Array(try reader.readString())) }
        return fields
    }

    static func base64Blob(ofLine line: String) throws -> [UInt8] {
        let fields = line.split(whereSeparator: { $0.isWhitespace })
        guard fields.count >= 2, let data = Data(base64Encoded: String(fields[1])) else {
            throw ToolError("not a key line: \(line)")
        }
        return [UInt8](data)
    }

    /// 32 bytes 0x01…0x20: a well-formed Ed25519 public key value.
    static let ed25519Key: [UInt8] = Array(1...32)

    static let ed25519: [UInt8] = build {
        $0.writeString("ssh-ed25519")
        $0.writeString(ed25519Key)
    }

    /// A P-256 point that is not on the curve: 0x04 ‖ 0x01…01 ‖ 0x02…02.
    static let offCurvePoint: [UInt8] = [0x04] + [UInt8](repeating: 0x01, count: 32) + [UInt8](repeating: 0x02, count: 32)

    /// An `ssh-rsa` blob with exponent 65537 and a modulus of `bits` bits (not a real modulus: structure only).
    static func rsa(bits: Int, exponent: [UInt8] = [0x01, 0x00, 0x01]) -> [UInt8] {
        let modulus = [0xC3] + [UInt8](repeating: 0x55, count: bits / 8 - 1)
        return build {
            $0.writeString("ssh-rsa")
            $0.writeMPInt(unsignedBigEndian: exponent)
            $0.writeMPInt(unsignedBigEndian: modulus)
        }
    }

    /// A structurally valid certificate (signature not verifiable) around the plain `key` fields.
    /// - Parameters:
    ///   - typeName: the certificate type name.
    ///   - keyFields: the plain key's fields after its type name.
    ///   - legacy: lay it out as v00 (no leading nonce, no serial, one options field, nonce later).
    static func certificate(
        typeName: String,
        keyFields: [UInt8],
        legacy: Bool = false,
        certificateType: UInt32 = 1,
        signatureKey: [UInt8] = ed25519,
        trailing: [UInt8] = []
    ) -> [UInt8] {
        let nonce = [UInt8](repeating: 0xAB, count: 32)
        return build { w in
            w.writeString(typeName)
            if !legacy { w.writeString(nonce) }
            w.writeRaw(keyFields)
            if !legacy { w.writeUInt64(7) }
            w.writeUInt32(certificateType)
            w.writeString("key-id")
            w.writeString(build { $0.writeString("root"); $0.writeString("admin") })
            w.writeUInt64(0)
            w.writeUInt64(.max)
            w.writeString(build { $0.writeString("force-command"); $0.writeString(build { $0.writeString("/bin/true") }) })
            if legacy {
                w.writeString(nonce)
            } else {
                w.writeString(build { $0.writeString("permit-pty"); $0.writeString([UInt8]()) })
            }
            w.writeString([UInt8]())
            w.writeString(signatureKey)
            w.writeString(build { $0.writeString("ssh-ed25519"); $0.writeString([UInt8](repeating: 0x11, count: 64)) })
            w.writeRaw(trailing)
        }
    }

    /// The fields after the type name of a plain key blob.
    static func keyFields(of blob: [UInt8]) throws -> [UInt8] {
        var reader = SSHWireReader(blob)
        _ = try reader.readString()
        return Array(try reader.readBytes(reader.remainingCount))
    }
}
