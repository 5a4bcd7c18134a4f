/// A private key format recognised in text that was offered as a public key.
public enum PrivateKeyFormat: String, Sendable, Hashable, CaseIterable {
    case openSSH = "OpenSSH (BEGIN OPENSSH PRIVATE KEY)"
    case pkcs1RSA = "PKCS#1 RSA (BEGIN RSA PRIVATE KEY)"
    case pkcs8 = "PKCS#8 (BEGIN PRIVATE KEY)"
    case encryptedPKCS8 = "encrypted PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY)"
    case sec1EC = "SEC1 EC (BEGIN EC PRIVATE KEY)"
    case dsa = "DSA (BEGIN DSA PRIVATE KEY)"
    case putty = "PuTTY (PuTTY-User-Key-File)"
    case sshCom = "SSH.com (BEGIN SSH2 ENCRYPTED PRIVATE KEY)"
    case other = "PEM private key"
}

/// Why text could not be read as an SSH public key. Every case names what was wrong and,
/// where it helps, what to paste instead.
public enum PublicKeyParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing but whitespace.
    case empty
    /// More than ``PublicKey/maximumInputBytes`` bytes of text.
    case inputTooLarge(bytes: Int, limit: Int)
    /// A private key was pasted where the public key belongs.
    case privateKeyGiven(PrivateKeyFormat)
    /// `authorized_keys` options (or a `known_hosts` host pattern) precede the key type.
    case authorizedKeysOptions(String)
    /// More than one key in the text.
    case multipleKeys(count: Int)
    /// An OpenSSH key broken over several lines.
    case lineBreakInKey
    /// A comment with a line break or another control character.
    case invalidComment
    /// The key type name is not one OpenSSH knows.
    case unknownKeyType(String)
    /// A key type name with no base64 key data after it.
    case missingKeyData(algorithm: String)
    /// The key data is not valid base64.
    case invalidBase64
    /// The key data ended in the middle of the named field.
    case truncated(field: String)
    /// The type name in front of the key differs from the one inside the key data.
    case typeMismatch(declared: String, encoded: String)
    /// Bytes left over after the last field.
    case trailingBytes(count: Int)
    /// An `mpint` field with its sign bit set.
    case negativeInteger(field: String)
    /// An `mpint` larger than OpenSSH accepts (16384 bits).
    case integerTooLarge(field: String, bits: Int)
    /// The RSA public exponent is even or smaller than 3.
    case invalidRSAExponent
    /// The RSA modulus is shorter than 1024 bits.
    case rsaKeyTooSmall(bits: Int)
    /// The DSA prime `p` is shorter than 1024 bits.
    case dsaKeyTooSmall(bits: Int)
    /// A DSA parameter (`q`, `g` or `y`) is zero.
    case invalidDSAParameters
    /// The ECDSA curve identifier does not belong to the key type.
    case curveMismatch(expected: String, found: String)
    /// The ECDSA public point is not an uncompressed point on the named curve.
    case invalidCurvePoint(curve: String)
    /// An Ed25519 public key that is not 32 bytes long.
    case invalidEd25519Key(length: Int)
    /// A security-key (`sk-*`) public key with an empty or non-UTF-8 application string.
    case invalidApplication
    /// A certificate whose structure is broken; the reason names the field.
    case invalidCertificate(reason: String)
    /// A PEM block of a kind that does not hold a public key (e.g. `CERTIFICATE`).
    case unsupportedPEMType(String)
    /// A PEM public key of an algorithm SSH cannot use (by OID).
    case unsupportedPEMAlgorithm(oid: String)
    /// A PEM block whose armour, base64 or DER is broken.
    case malformedPEM(reason: String)
    /// An RFC 4716 (`---- BEGIN SSH2 PUBLIC KEY ----`) block whose armour or headers are broken.
    case malformedRFC4716(reason: String)

    public var description: String {
        switch self {
        case .empty:
            "no public key given"
        case .inputTooLarge(let bytes, let limit):
            "input is \(bytes) bytes, more than the \(limit) a public key can take"
        case .privateKeyGiven(let format):
            "this is a private key (\(format.rawValue)), not a public key; never share it. "
                + "Paste the public key instead, e.g. the .pub file or the output of `ssh-keygen -y -f <private key file>`"
        case .authorizedKeysOptions(let options):
            "the key is preceded by \"\(options)\", which looks like authorized_keys options or a known_hosts host; "
                + "remove it and paste only '<key type> <base64 key> [comment]'"
        case .multipleKeys(let count):
            "found \(count) keys; paste exactly one public key"
        case .lineBreakInKey:
            "the key is broken over several lines; an OpenSSH public key is a single line"
        case .invalidComment:
            "the key comment must not contain line breaks or other control characters"
        case .unknownKeyType(let name):
            "unknown key type \"\(name)\"; expected ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-dss, "
                + "sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com or a certificate of one of them"
        case .missingKeyData(let algorithm):
            "\(algorithm) is not followed by the base64 key data"
        case .invalidBase64:
            "the key data is not valid base64"
        case .truncated(let field):
            "the key data is truncated: it ends inside the \(field)"
        case .typeMismatch(let declared, let encoded):
            "the line says \(declared) but the key data holds a \(encoded) key"
        case .trailingBytes(let count):
            "the key data has \(count) unexpected byte(s) after its last field"
        case .negativeInteger(let field):
            "the \(field) is negative"
        case .integerTooLarge(let field, let bits):
            "the \(field) has \(bits) bits, more than the 16384 OpenSSH accepts"
        case .invalidRSAExponent:
            "the RSA public exponent must be odd and at least 3"
        case .rsaKeyTooSmall(let bits):
            "the RSA key has \(bits) bits; at least 1024 are required"
        case .dsaKeyTooSmall(let bits):
            "the DSA key has \(bits) bits; at least 1024 are required"
        case .invalidDSAParameters:
            "the DSA key has a zero q, g or y"
        case .curveMismatch(let expected, let found):
            "the key type needs curve \(expected) but the key data names \(found)"
        case .invalidCurvePoint(let curve):
            "the public point is not a valid uncompressed point on \(curve)"
        case .invalidEd25519Key(let length):
            "an Ed25519 public key is 32 bytes, not \(length)"
        case .invalidApplication:
            "the security key's application string is empty or not UTF-8"
        case .invalidCertificate(let reason):
            "invalid certificate: \(reason)"
        case .unsupportedPEMType(let label):
            "a PEM \"\(label)\" block does not hold a public key; expected BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY"
        case .unsupportedPEMAlgorithm(let oid):
            "the PEM public key uses algorithm \(oid), which SSH cannot use (RSA, DSA, EC P-256/384/521 and Ed25519 can)"
        case .malformedPEM(let reason):
            "malformed PEM public key: \(reason)"
        case .malformedRFC4716(let reason):
            "malformed SSH2 public key block: \(reason)"
        }
    }
}

/// Why a key pair could not be generated.
public enum KeyGenerationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The comment contains a line break or another control character, which would break the key line.
    case invalidComment
    /// The cryptography backend failed.
    case cryptoFailure(String)

    public var description: String {
        switch self {
        case .invalidComment: "the key comment must not contain line breaks or other control characters"
        case .cryptoFailure(let reason): "key generation failed: \(reason)"
        }
    }
}
