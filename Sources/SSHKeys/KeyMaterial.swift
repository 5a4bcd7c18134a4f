import Crypto
import Foundation

/// The validated public key material found in a blob, plain or certified.
struct KeyMaterial: Sendable, Hashable {
    let kind: PublicKeyKind
    let bits: Int
    /// The plain public key blob as OpenSSH re-serialises it (minimal `mpint`s). This is what
    /// OpenSSH fingerprints, for certificates too (`sshkey_fingerprint_raw` serialises with `force_plain`).
    let plainBlob: [UInt8]

    /// The OpenSSH limit on `mpint` fields (`SSHBUF_MAX_BIGNUM`).
    static let maximumIntegerBits = 16384

    /// Reads and checks the fields that follow the type name (or the nonce of a v01 certificate).
    static func read(_ kind: PublicKeyKind, from reader: inout BlobReader) throws(PublicKeyParseError) -> KeyMaterial {
        var plain = SSHWireWriter()
        plain.writeString(kind.keyTypeName)
        switch kind {
        case .rsa:
            let e = try reader.mpint("RSA public exponent")
            let n = try reader.mpint("RSA modulus")
            guard let last = e.last, last & 1 == 1, e.count > 1 || last >= 3 else { throw .invalidRSAExponent }
            let bits = bitCount(n)
            guard bits >= 1024 else { throw .rsaKeyTooSmall(bits: bits) }
            plain.writeMPInt(unsignedBigEndian: e)
            plain.writeMPInt(unsignedBigEndian: n)
            return KeyMaterial(kind: kind, bits: bits, plainBlob: plain.bytes)
        case .dsa:
            let p = try reader.mpint("DSA prime p")
            let q = try reader.mpint("DSA subprime q")
            let g = try reader.mpint("DSA generator g")
            let y = try reader.mpint("DSA public value y")
            let bits = bitCount(p)
            guard bits >= 1024 else { throw .dsaKeyTooSmall(bits: bits) }
            guard !q.isEmpty, !g.isEmpty, !y.isEmpty else { throw .invalidDSAParameters }
            for value in [p, q, g, y] { plain.writeMPInt(unsignedBigEndian: value) }
            return KeyMaterial(kind: kind, bits: bits, plainBlob: plain.bytes)
        case .ecdsaP256, .ecdsaP384, .ecdsaP521, .skEcdsaP256:
            let curve = try reader.string("ECDSA curve identifier")
            let expected = kind.curveName ?? ""
            guard Array(curve) == Array(expected.utf8) else {
                throw .curveMismatch(expected: expected, found: printable(curve))
            }
            let point = Array(try reader.string("ECDSA public point"))
            guard isValidPoint(point, for: kind) else { throw .invalidCurvePoint(curve: expected) }
            plain.writeString(expected)
            plain.writeString(point)
            if kind == .skEcdsaP256 { plain.writeString(try reader.application()) }
            return KeyMaterial(kind: kind, bits: kind == .ecdsaP384 ? 384 : kind == .ecdsaP521 ? 521 : 256, plainBlob: plain.bytes)
        case .ed25519, .skEd25519:
            let key = try reader.string("Ed25519 public key")
            guard key.count == 32 else { throw .invalidEd25519Key(length: key.count) }
            plain.writeString(key)
            if kind == .skEd25519 { plain.writeString(try reader.application()) }
            return KeyMaterial(kind: kind, bits: 256, plainBlob: plain.bytes)
        }
    }

    /// Number of significant bits of a magnitude without leading zero bytes.
    static func bitCount(_ magnitude: ArraySlice<UInt8>) -> Int {
        guard let first = magnitude.first else { return 0 }
        return (magnitude.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }

    /// True when `point` is an uncompressed SEC1 point (as OpenSSH requires) on the kind's curve.
    static func isValidPoint(_ point: [UInt8], for kind: PublicKeyKind) -> Bool {
        guard let size = coordinateSize(of: kind), point.count == 1 + 2 * size, point.first == 0x04 else { return false }
        do {
            switch kind {
            case .ecdsaP256, .skEcdsaP256: _ = try P256.Signing.PublicKey(x963Representation: point)
            case .ecdsaP384: _ = try P384.Signing.PublicKey(x963Representation: point)
            case .ecdsaP521: _ = try P521.Signing.PublicKey(x963Representation: point)
            case .rsa, .dsa, .ed25519, .skEd25519: return false
            }
            return true
        } catch {
            return false
        }
    }

    /// Byte length of one coordinate of the ECDSA kinds' curves.
    static func coordinateSize(of kind: PublicKeyKind) -> Int? {
        switch kind {
        case .ecdsaP256, .skEcdsaP256: 32
        case .ecdsaP384: 48
        case .ecdsaP521: 66
        case .rsa, .dsa, .ed25519, .skEd25519: nil
        }
    }
}

/// Renders untrusted bytes for an error message: printable ASCII kept, the rest as `?`, at most 64 characters.
func printable(_ bytes: some Collection<UInt8>) -> String {
    let shown = bytes.prefix(64).map { (byte: UInt8) -> Character in
        (0x20..<0x7f).contains(byte) ? Character(Unicode.Scalar(byte)) : "?"
    }
    return String(shown) + (bytes.count > 64 ? "…" : "")
}

/// Renders untrusted text for an error message: control characters as `?`, at most 64 characters.
func printable(_ text: some StringProtocol) -> String {
    let shown = text.prefix(64).map { (character: Character) -> Character in
        character.unicodeScalars.contains { scalar in scalar.properties.generalCategory == .control } ? "?" : character
    }
    return String(shown) + (text.count > 64 ? "…" : "")
}

/// An ``SSHWireReader`` whose errors say which field was being read.
struct BlobReader {
    private var wire: SSHWireReader

    init(_ bytes: some Collection<UInt8>) {
        wire = SSHWireReader(bytes)
    }

    var isAtEnd: Bool { wire.isAtEnd }

    mutating func string(_ field: String) throws(PublicKeyParseError) -> ArraySlice<UInt8> {
        do {
            return try wire.readString()
        } catch {
            throw .truncated(field: field)
        }
    }

    mutating func uint32(_ field: String) throws(PublicKeyParseError) -> UInt32 {
        do {
            return try wire.readUInt32()
        } catch {
            throw .truncated(field: field)
        }
    }

    mutating func uint64(_ field: String) throws(PublicKeyParseError) -> UInt64 {
        do {
            return try wire.readUInt64()
        } catch {
            throw .truncated(field: field)
        }
    }

    /// A non-negative `mpint`, returned as its magnitude without leading zero bytes.
    /// Non-minimal encodings are accepted, as OpenSSH accepts them; the sign bit is not.
    mutating func mpint(_ field: String) throws(PublicKeyParseError) -> ArraySlice<UInt8> {
        let raw = try string(field)
        if let first = raw.first, first & 0x80 != 0 { throw .negativeInteger(field: field) }
        let magnitude = raw.drop(while: { $0 == 0 })
        let bits = KeyMaterial.bitCount(magnitude)
        guard bits <= KeyMaterial.maximumIntegerBits else { throw .integerTooLarge(field: field, bits: bits) }
        return magnitude
    }

    /// The application string of a security key: non-empty UTF-8 (usually `ssh:…`).
    mutating func application() throws(PublicKeyParseError) -> ArraySlice<UInt8> {
        let application = try string("security key application")
        guard !application.isEmpty, decodeUTF8(application) != nil else { throw .invalidApplication }
        return application
    }

    /// Fails with ``PublicKeyParseError/trailingBytes(count:)`` unless everything was read.
    func expectEnd() throws(PublicKeyParseError) {
        guard wire.isAtEnd else { throw .trailingBytes(count: wire.remainingCount) }
    }
}

/// The bytes as a String when they are valid UTF-8 without NUL, else nil.
func decodeUTF8(_ bytes: some Collection<UInt8>) -> String? {
    guard !bytes.contains(0) else { return nil }
    let text = String(decoding: bytes, as: UTF8.self)
    return text.utf8.elementsEqual(bytes) ? text : nil
}
