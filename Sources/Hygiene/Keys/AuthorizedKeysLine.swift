import SSHKeys

/// One line of an authorized_keys file, split the way sshd splits it: an optional options field (up to the
/// first whitespace outside double quotes, `\"` not ending a quote), then `<type> <base64> [comment]`.
public struct AuthorizedKeysLine: Sendable, Hashable {
    /// The option names only (`command`, `from`, `restrict`, …); values can hold secrets and are dropped.
    public let optionNames: [String]
    /// `<type> <base64> [comment]`.
    public let keyText: String

    /// nil for blank and comment lines.
    public init?(_ line: String) {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard let first = trimmed.first, first != "#" else { return nil }
        let firstToken = trimmed.prefix { $0 != " " && $0 != "\t" }
        if Self.keyTypes.contains(String(firstToken)) {
            optionNames = []
            keyText = String(trimmed)
            return
        }
        let options = Self.optionsField(trimmed)
        optionNames = Self.names(in: options)
        keyText = String(trimmed[options.endIndex...].drop { $0 == " " || $0 == "\t" })
    }

    /// Parses the key part with SSHKeys.
    public func publicKey() -> Result<PublicKey, PublicKeyParseError> {
        do {
            let key = try PublicKey(parsing: keyText)
            return .success(key)
        } catch let error as PublicKeyParseError {
            return .failure(error)
        } catch {
            return .failure(.empty)
        }
    }

    /// Every key type name OpenSSH accepts at the start of a key: plain keys and certificates.
    public static let keyTypes: Set<String> = {
        var names = Set(PublicKeyKind.allCases.flatMap { [$0.keyTypeName, $0.certificateTypeName] })
        names.insert("ssh-rsa-cert-v00@openssh.com")
        names.insert("ssh-dss-cert-v00@openssh.com")
        return names
    }()

    /// The options field: up to the first whitespace outside double quotes.
    static func optionsField(_ line: Substring) -> Substring {
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if !inQuotes && (character == " " || character == "\t") { break }
            if character == "\"" {
                inQuotes.toggle()
            } else if inQuotes && character == "\\" {
                let next = line.index(after: index)
                if next < line.endIndex && line[next] == "\"" { index = next }
            }
            index = line.index(after: index)
        }
        return line[line.startIndex..<index]
    }

    /// Option names, split at commas outside quotes, lowercased, without their values.
    static func names(in options: Substring) -> [String] {
        var names: [String] = []
        var current = ""
        var inQuotes = false
        var inValue = false
        var escaped = false
        for character in options {
            if escaped {
                escaped = false
                continue
            }
            if inQuotes && character == "\\" {
                escaped = true
                continue
            }
            if character == "\"" { inQuotes.toggle() }
            if character == "," && !inQuotes {
                if !current.isEmpty { names.append(current.lowercased()) }
                current = ""
                inValue = false
                continue
            }
            if character == "=" && !inQuotes { inValue = true }
            if !inValue && !inQuotes && character != "\"" { current.append(character) }
        }
        if !current.isEmpty { names.append(current.lowercased()) }
        return names
    }
}

extension PublicKeyParseError {
    /// Why a line is not a key, without quoting any of the line (it might hold something secret).
    var safeReason: String {
        switch self {
        case .empty: "no key after the options"
        case .inputTooLarge: "the line is too long for a key"
        case .privateKeyGiven: "a private key was pasted where a public key belongs"
        case .authorizedKeysOptions: "options that could not be separated from the key"
        case .multipleKeys: "more than one key on the line"
        case .lineBreakInKey, .invalidComment: "a broken key line"
        case .unknownKeyType: "an unknown key type"
        case .missingKeyData: "a key type without key data"
        case .invalidBase64: "key data that is not valid base64"
        case .truncated, .trailingBytes, .typeMismatch: "damaged key data"
        default: "key data that does not form a valid key"
        }
    }
}

/// Short descriptions of public keys for findings: kind, size, fingerprint; never the key blob.
extension PublicKey {
    var summary: String {
        let certificate = isCertificate ? " certificate" : ""
        return "\(kind.displayName) \(bits)-bit\(certificate) key \(sha256Fingerprint)"
    }

    /// The comment, shortened, quoted, or "" when there is none.
    var commentSuffix: String {
        guard let comment, !comment.isEmpty else { return "" }
        let short = comment.count > 64 ? String(comment.prefix(61)) + "..." : comment
        return " ('\(short)')"
    }
}
