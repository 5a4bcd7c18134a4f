import Crypto
import SwiftASN1

/// PEM public keys, converted to the SSH blob `ssh-keygen -i -m PKCS8` / `-m PEM` would produce:
/// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo: RSA, DSA, EC P-256/384/521, Ed25519) and
/// `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1 RSAPublicKey). The DER is read with SwiftASN1 directly,
/// so RSA keys of any size reach the same 1024-bit minimum as OpenSSH lines.
enum PEMPublicKey {
    static func parse(_ text: Substring) throws(PublicKeyParseError) -> PublicKey {
        let (label, body) = try unarmor(text)
        guard ["PUBLIC KEY", "RSA PUBLIC KEY", "SSH2 PUBLIC KEY"].contains(label) else {
            throw .unsupportedPEMType(printable(label))
        }
        guard let der = decodeBase64(body) else { throw .invalidBase64 }
        let blob: [UInt8]
        switch label {
        case "PUBLIC KEY": blob = try sshBlob(subjectPublicKeyInfo: der)
        case "RSA PUBLIC KEY": blob = try sshBlob(pkcs1: der)
        default: blob = der  // "SSH2 PUBLIC KEY": an RFC 4716 body in PEM armour, as some tools write it
        }
        return try PublicKey(validating: blob, declaredAlgorithm: nil, comment: nil)
    }

    /// The label and base64 body of the single PEM block in `text`.
    private static func unarmor(_ text: Substring) throws(PublicKeyParseError) -> (label: String, body: String) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard let first = lines.first, first.hasPrefix("-----BEGIN "), first.hasSuffix("-----") else {
            throw .malformedPEM(reason: "the first line must be -----BEGIN <label>-----")
        }
        let label = String(first.dropFirst("-----BEGIN ".count).dropLast("-----".count))
        let endLine = "-----END " + label + "-----"
        guard let end = lines.firstIndex(where: { $0 == Substring(endLine) }) else {
            throw .malformedPEM(reason: "the \(printable(endLine)) line is missing")
        }
        let after = lines[(end + 1)...]
        if !after.isEmpty {
            let blocks = after.filter { $0.hasPrefix("-----BEGIN ") }.count
            if blocks > 0 { throw .multipleKeys(count: blocks + 1) }
            throw .malformedPEM(reason: "there is text after the END line")
        }
        // RFC 1421 headers (`Proc-Type: …`) may precede the base64; public keys have none, but skip them.
        let body = lines[1..<end].filter { !$0.contains(":") }.joined()
        guard !body.isEmpty else { throw .malformedPEM(reason: "the block holds no data") }
        return (label, body)
    }

    private struct ShapeError: Error {}

    private static let ed25519OID: ASN1ObjectIdentifier = [1, 3, 101, 112]
    private static let dsaOID: ASN1ObjectIdentifier = [1, 2, 840, 10040, 4, 1]

    /// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    private static func sshBlob(subjectPublicKeyInfo der: [UInt8]) throws(PublicKeyParseError) -> [UInt8] {
        let parts: (algorithm: ASN1ObjectIdentifier, parameters: ASN1Node?, key: [UInt8])
        do {
            let root = try DER.parse(der)
            parts = try DER.sequence(root, identifier: .sequence) { nodes in
                guard let algorithmNode = nodes.next(), let keyNode = nodes.next() else { throw ShapeError() }
                let identifier: (ASN1ObjectIdentifier, ASN1Node?) = try DER.sequence(algorithmNode, identifier: .sequence) { inner in
                    let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
                    let parameters = inner.next()
                    return (oid, parameters)
                }
                let bits = try ASN1BitString(derEncoded: keyNode)
                guard bits.paddingBits == 0 else { throw ShapeError() }
                return (algorithm: identifier.0, parameters: identifier.1, key: Array(bits.bytes))
            }
        } catch {
            throw .malformedPEM(reason: "the DER is not a SubjectPublicKeyInfo")
        }
        let (algorithm, parameters, key) = parts

        var writer = SSHWireWriter()
        switch algorithm {
        case ASN1ObjectIdentifier.AlgorithmIdentifier.rsaEncryption:
            return try sshBlob(pkcs1: key)
        case ASN1ObjectIdentifier.AlgorithmIdentifier.idEcPublicKey:
            let kind: PublicKeyKind
            do {
                guard let parameters else { throw ShapeError() }
                switch try ASN1ObjectIdentifier(derEncoded: parameters) {
                case ASN1ObjectIdentifier.NamedCurves.secp256r1: kind = .ecdsaP256
                case ASN1ObjectIdentifier.NamedCurves.secp384r1: kind = .ecdsaP384
                case ASN1ObjectIdentifier.NamedCurves.secp521r1: kind = .ecdsaP521
                default: throw ShapeError()
                }
            } catch {
                throw .malformedPEM(reason: "the EC key does not name P-256, P-384 or P-521")
            }
            writer.writeString(kind.keyTypeName)
            writer.writeString(kind.curveName ?? "")
            writer.writeString(uncompressed(key, kind: kind))
        case ed25519OID:
            writer.writeString(PublicKeyKind.ed25519.keyTypeName)
            writer.writeString(key)
        case dsaOID:
            do {
                guard let parameters else { throw ShapeError() }
                let pqg: [ArraySlice<UInt8>] = try DER.sequence(parameters, identifier: .sequence) { inner in
                    let p = try ArraySlice<UInt8>(derEncoded: &inner)
                    let q = try ArraySlice<UInt8>(derEncoded: &inner)
                    let g = try ArraySlice<UInt8>(derEncoded: &inner)
                    return [p, q, g]
                }
                let y = try ArraySlice<UInt8>(derEncoded: try DER.parse(key))
                writer.writeString(PublicKeyKind.dsa.keyTypeName)
                for value in pqg + [y] { writer.writeMPInt(unsignedBigEndian: value) }
            } catch {
                throw .malformedPEM(reason: "the DSA key is not Dss-Parms plus an INTEGER")
            }
        default:
            throw .unsupportedPEMAlgorithm(oid: algorithm.description)
        }
        return writer.bytes
    }

    /// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } → `ssh-rsa` blob.
    private static func sshBlob(pkcs1 der: [UInt8]) throws(PublicKeyParseError) -> [UInt8] {
        let rsa: (modulus: ArraySlice<UInt8>, exponent: ArraySlice<UInt8>)
        do {
            rsa = try DER.sequence(try DER.parse(der), identifier: .sequence) { nodes in
                let modulus = try ArraySlice<UInt8>(derEncoded: &nodes)
                let exponent = try ArraySlice<UInt8>(derEncoded: &nodes)
                return (modulus: modulus, exponent: exponent)
            }
        } catch {
            throw .malformedPEM(reason: "the DER is not an RSAPublicKey (positive modulus and exponent)")
        }
        var writer = SSHWireWriter()
        writer.writeString(PublicKeyKind.rsa.keyTypeName)
        writer.writeMPInt(unsignedBigEndian: rsa.exponent)
        writer.writeMPInt(unsignedBigEndian: rsa.modulus)
        return writer.bytes
    }

    /// SSH carries EC points uncompressed; a compressed SPKI point is expanded (invalid ones are kept and rejected later).
    private static func uncompressed(_ point: [UInt8], kind: PublicKeyKind) -> [UInt8] {
        guard let prefix = point.first, prefix == 0x02 || prefix == 0x03 else { return point }
        do {
            switch kind {
            case .ecdsaP384: return Array(try P384.Signing.PublicKey(compressedRepresentation: point).x963Representation)
            case .ecdsaP521: return Array(try P521.Signing.PublicKey(compressedRepresentation: point).x963Representation)
            default: return Array(try P256.Signing.PublicKey(compressedRepresentation: point).x963Representation)
            }
        } catch {
            return point
        }
    }
}
