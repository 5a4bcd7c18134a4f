/// The crypt(3) scheme of a password hash, recognised by its prefix (crypt(5)).
public enum HashAlgorithm: String, Sendable, Hashable, CaseIterable {
    case yescrypt
    case gostYescrypt = "gost-yescrypt"
    case scrypt
    case bcrypt
    case sha512crypt
    case sha256crypt
    case sha1crypt
    case sunMD5 = "SunMD5"
    case md5crypt
    case bsdicrypt
    case descrypt
    case bigcrypt
    case nthash = "NT hash"

    /// Schemes that are fast to crack or truncate passwords; CIS and lynis call them weak.
    public var isWeak: Bool {
        switch self {
        case .md5crypt, .descrypt, .bigcrypt, .bsdicrypt, .nthash, .sunMD5: true
        case .yescrypt, .gostYescrypt, .scrypt, .bcrypt, .sha512crypt, .sha256crypt, .sha1crypt: false
        }
    }

    /// The name with its prefix, e.g. `sha512crypt ($6$)`; never any part of the hash itself.
    public var label: String {
        switch self {
        case .yescrypt: "yescrypt ($y$)"
        case .gostYescrypt: "gost-yescrypt ($gy$)"
        case .scrypt: "scrypt ($7$)"
        case .bcrypt: "bcrypt ($2b$)"
        case .sha512crypt: "sha512crypt ($6$)"
        case .sha256crypt: "sha256crypt ($5$)"
        case .sha1crypt: "sha1crypt ($sha1$)"
        case .sunMD5: "SunMD5 ($md5)"
        case .md5crypt: "md5crypt ($1$)"
        case .bsdicrypt: "bsdicrypt (_)"
        case .descrypt: "descrypt (DES)"
        case .bigcrypt: "bigcrypt (DES)"
        case .nthash: "NT hash ($3$)"
        }
    }
}

/// What a shadow (or passwd) password field allows.
public enum PasswordFieldState: Sendable, Hashable {
    /// Empty: no password is asked for.
    case empty
    /// A crypt hash: a password logs in.
    case hash(HashAlgorithm)
    /// `!` in front: locked; `hashAlgorithm` when a real hash is still behind the `!`.
    case locked(hashAlgorithm: HashAlgorithm?)
    /// `*`, `!!`-like markers, `x` and anything that is not a crypt result: no password can match.
    case disabled

    /// Classifies a password field (shadow(5), crypt(5)).
    public init(field: String) {
        if field.isEmpty {
            self = .empty
        } else if field.hasPrefix("!") {
            if case .hash(let algorithm) = PasswordFieldState(field: String(field.drop { $0 == "!" })) {
                self = .locked(hashAlgorithm: algorithm)
            } else {
                self = .locked(hashAlgorithm: nil)
            }
        } else if let algorithm = Self.algorithm(of: field) {
            self = .hash(algorithm)
        } else {
            self = .disabled
        }
    }

    /// True when a password (or none at all) logs in.
    public var allowsPasswordLogin: Bool {
        switch self {
        case .empty, .hash: true
        case .locked, .disabled: false
        }
    }

    private static let cryptAlphabet = Set("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    static func algorithm(of hash: String) -> HashAlgorithm? {
        let prefixes: [(String, HashAlgorithm)] = [
            ("$y$", .yescrypt), ("$gy$", .gostYescrypt), ("$7$", .scrypt), ("$2a$", .bcrypt), ("$2b$", .bcrypt),
            ("$2x$", .bcrypt), ("$2y$", .bcrypt), ("$6$", .sha512crypt), ("$5$", .sha256crypt), ("$sha1$", .sha1crypt),
            ("$md5", .sunMD5), ("$1$", .md5crypt), ("$3$", .nthash),
        ]
        for (prefix, algorithm) in prefixes where hash.hasPrefix(prefix) {
            // A real hash has something after its prefix.
            return hash.count > prefix.count + 1 ? algorithm : nil
        }
        guard hash.allSatisfy({ cryptAlphabet.contains($0) || $0 == "_" }) else { return nil }
        if hash.hasPrefix("_") && hash.count == 20 { return .bsdicrypt }
        guard hash.allSatisfy({ cryptAlphabet.contains($0) }) else { return nil }
        if hash.count == 13 { return .descrypt }
        if hash.count > 13 && (hash.count - 2) % 11 == 0 { return .bigcrypt }
        return nil
    }
}
