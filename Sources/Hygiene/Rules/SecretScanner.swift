import Foundation

/// A kind of secret recognised in a line of text. Reports name the kind and the line, never the value.
public enum SecretKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case mysqlPassword = "mysql-password"
    case passwordOption = "password-option"
    case passwordAssignment = "password-assignment"
    case pgPassword = "pgpassword"
    case awsSecretAccessKey = "aws-secret-access-key"
    case awsAccessKeyID = "aws-access-key-id"
    case apiToken = "api-token"
    case passwordHash = "password-hash"
    case sshpass = "sshpass"
    case curlCredentials = "curl-credentials"
    case urlCredentials = "url-credentials"
    case sqlPassword = "sql-password"
    case chpasswd = "chpasswd"
    case bearerToken = "bearer-token"

    public var description: String {
        switch self {
        case .mysqlPassword: "MySQL/MariaDB password on the command line (-p…/--password=)"
        case .passwordOption: "password given as a command-line option"
        case .passwordAssignment: "password assigned in clear (password=…, passwd: …)"
        case .pgPassword: "PostgreSQL password in PGPASSWORD"
        case .awsSecretAccessKey: "AWS secret access key"
        case .awsAccessKeyID: "AWS access key ID"
        case .apiToken: "secret, token or API key assigned in clear"
        case .passwordHash: "password hash given in clear"
        case .sshpass: "SSH password given to sshpass -p"
        case .curlCredentials: "user:password given to curl -u/--user"
        case .urlCredentials: "user:password embedded in a URL"
        case .sqlPassword: "password in an SQL statement (IDENTIFIED BY / PASSWORD '…')"
        case .chpasswd: "user:password piped to chpasswd or passwd --stdin"
        case .bearerToken: "bearer token"
        }
    }
}

/// One secret found: the 1-based line and what kind it is.
public struct SecretMatch: Sendable, Hashable {
    public let line: Int
    public let kind: SecretKind

    public init(line: Int, kind: SecretKind) {
        self.line = line
        self.kind = kind
    }
}

/// Recognises secrets in command lines, scripts and configuration: structural rules (which command, which key,
/// what value shape), not entropy guesses. Values that are variables, placeholders or booleans are not secrets.
public enum SecretScanner {
    public static func scan(_ lines: [String]) -> [SecretMatch] {
        var matches: [SecretMatch] = []
        for (offset, line) in lines.enumerated() {
            for kind in kinds(in: line) { matches.append(SecretMatch(line: offset + 1, kind: kind)) }
        }
        return matches
    }

    /// The kinds of secret in one line, each once.
    public static func kinds(in text: String) -> [SecretKind] {
        let line = text.count > 16384 ? String(text.prefix(16384)) : text
        var found: [SecretKind] = []
        let candidates = commandLineKinds(line) + assignmentKinds(line) + wordKinds(line) + phraseKinds(line)
        for kind in candidates where !found.contains(kind) { found.append(kind) }
        return found
    }

    // MARK: - Command lines

    static func commandLineKinds(_ line: String) -> [SecretKind] {
        let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(unquoted)
        var kinds: [SecretKind] = []
        for (index, token) in tokens.enumerated() {
            let next = index + 1 < tokens.count ? tokens[index + 1] : nil
            let rest = tokens.dropFirst(index + 1)
            switch token.split(separator: "/").last.map(String.init) ?? token {
            case "mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mysqlsh", "mariadb", "mariadb-dump":
                if rest.contains(where: { ($0.hasPrefix("-p") && $0.count > 2) || ($0.hasPrefix("--password=") && $0.count > 11) }) {
                    kinds.append(.mysqlPassword)
                }
            case "sshpass":
                if rest.contains(where: { $0.hasPrefix("-p") && $0.count > 2 }) || rest.contains("-p") { kinds.append(.sshpass) }
            case "curl":
                if curlHasCredentials(Array(rest)) { kinds.append(.curlCredentials) }
            case "redis-cli":
                if let flag = rest.firstIndex(of: "-a"), flag + 1 < tokens.count { kinds.append(.passwordOption) }
            case "htpasswd":
                if rest.contains(where: { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("b") }) { kinds.append(.passwordOption) }
            case "useradd", "usermod":
                if let flag = rest.firstIndex(where: { $0 == "-p" || $0 == "--password" }), flag + 1 < tokens.count {
                    kinds.append(.passwordHash)
                }
            default:
                break
            }
            if token == "--password" || token == "--passwd" || token == "--pass", let value = next, !value.hasPrefix("-"), isSecretValue(value) {
                kinds.append(.passwordOption)
            }
        }
        return kinds
    }

    private static func curlHasCredentials(_ arguments: [String]) -> Bool {
        for (index, argument) in arguments.enumerated() {
            var value: String?
            if argument == "-u" || argument == "--user" || argument == "--proxy-user" {
                value = index + 1 < arguments.count ? arguments[index + 1] : nil
            } else if argument.hasPrefix("--user=") {
                value = String(argument.dropFirst("--user=".count))
            } else if argument.hasPrefix("-u") && argument.count > 2 && !argument.hasPrefix("--") {
                value = String(argument.dropFirst(2))
            }
            if let value, let colon = value.firstIndex(of: ":"), isSecretValue(String(value[value.index(after: colon)...])) {
                return true
            }
        }
        return false
    }

    // MARK: - key=value and key: value

    static func assignmentKinds(_ line: String) -> [SecretKind] {
        let characters = Array(line)
        var kinds: [SecretKind] = []
        for index in characters.indices where characters[index] == "=" || characters[index] == ":" {
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            let previous: Character? = index > 0 ? characters[index - 1] : nil
            if next == "=" || next == "/" || previous == "=" || previous == "!" || previous == "<" || previous == ">" { continue }
            var end = index
            while end > 0 && isSpaceOrQuote(characters[end - 1]) { end -= 1 }
            var start = end
            while start > 0 && isKeyCharacter(characters[start - 1]) { start -= 1 }
            guard start < end, let keyKind = kind(ofKey: String(characters[start..<end]).lowercased()) else { continue }
            var cursor = index + 1
            while cursor < characters.count && isSpaceOrQuote(characters[cursor]) { cursor += 1 }
            var valueEnd = cursor
            while valueEnd < characters.count && !isValueTerminator(characters[valueEnd]) { valueEnd += 1 }
            let value = String(characters[cursor..<valueEnd])
            if value.hasPrefix("$") {
                if PasswordFieldState.algorithm(of: value) != nil { kinds.append(.passwordHash) }
                continue
            }
            if isSecretValue(value) { kinds.append(keyKind) }
        }
        return kinds
    }

    private static let keyExclusions = [
        "file", "path", "cmd", "command", "_dir", "dir_", "length", "_len", "_min", "min_", "_max", "max_", "_age", "age_",
        "expir", "policy", "authentication", "prompt", "hint", "reset", "change", "lock", "type", "method", "chars", "days",
        "warn", "url", "rounds", "helper", "field", "label", "_name", "name_", "_id", "-id", "enabled", "required", "pwauth",
        "nopasswd",
    ]

    static func kind(ofKey key: String) -> SecretKind? {
        if keyExclusions.contains(where: { key.contains($0) }) { return nil }
        if key.contains("aws_secret") || key.contains("aws-secret") { return .awsSecretAccessKey }
        if key == "pgpassword" { return .pgPassword }
        let passwordWords = ["password", "passwd", "passphrase", "_pass", "-pass", "pass_", "_pwd"]
        if key == "pass" || passwordWords.contains(where: { key.contains($0) }) { return .passwordAssignment }
        let tokenWords = ["secret", "token", "api_key", "apikey", "api-key", "access_key", "private_key", "credential", "auth_key"]
        if tokenWords.contains(where: { key.contains($0) }) { return .apiToken }
        return nil
    }

    // MARK: - Words and phrases

    private static let tokenPrefixes = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "sk_live_", "rk_live_", "npm_"]

    static func wordKinds(_ line: String) -> [SecretKind] {
        var kinds: [SecretKind] = []
        let words = line.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        for word in words {
            if word.count == 20, word.hasPrefix("AKIA") || word.hasPrefix("ASIA"),
               word.allSatisfy({ ($0.isUppercase || $0.isNumber) && $0.isASCII }) {
                kinds.append(.awsAccessKeyID)
            }
            if word.count >= 20, tokenPrefixes.contains(where: { word.hasPrefix($0) }) { kinds.append(.apiToken) }
        }
        return kinds
    }

    static func phraseKinds(_ line: String) -> [SecretKind] {
        var kinds: [SecretKind] = []
        let lowered = line.lowercased()
        if let range = lowered.range(of: "identified by") {
            let rest = lowered[range.upperBound...].drop { $0 == " " }
            if rest.hasPrefix("'") || rest.hasPrefix("\"") || rest.hasPrefix("password '") { kinds.append(.sqlPassword) }
        } else if lowered.contains("password '") || lowered.contains("password \"") || lowered.contains("password('") {
            kinds.append(.sqlPassword)
        }
        if lowered.contains("chpasswd") || (lowered.contains("passwd") && lowered.contains("--stdin")) {
            let pairs = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(unquoted).contains { token in
                guard let colon = token.firstIndex(of: ":"), colon != token.startIndex else { return false }
                let user = token[token.startIndex..<colon]
                let password = String(token[token.index(after: colon)...])
                return user.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." } && isSecretValue(password)
            }
            if pairs || lowered.contains("--stdin") { kinds.append(.chpasswd) }
        }
        if let range = lowered.range(of: "bearer ") {
            let token = lowered[range.upperBound...].prefix { !$0.isWhitespace && $0 != "\"" && $0 != "'" }
            if token.count >= 16 { kinds.append(.bearerToken) }
        }
        var searchStart = line.startIndex
        while let range = line.range(of: "://", range: searchStart..<line.endIndex) {
            let authority = line[range.upperBound...].prefix { !$0.isWhitespace && !"/\"'?#".contains($0) }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":"),
               isSecretValue(String(authority[authority.index(after: colon)..<at])) {
                kinds.append(.urlCredentials)
            }
            searchStart = range.upperBound
        }
        return kinds
    }

    // MARK: - Values

    private static let placeholders: Set<String> = [
        "", "true", "false", "yes", "no", "on", "off", "null", "none", "nil", "~", "|", ">", "|-", ">-", "[]", "{}",
        "required", "optional", "string", "-", "0", "1",
    ]

    /// A value that could be a real secret: not empty, not a boolean or placeholder, not a variable,
    /// template or masked value.
    static func isSecretValue(_ value: String) -> Bool {
        if placeholders.contains(value.lowercased()) { return false }
        guard let first = value.first, !"$<{%*([".contains(first) else { return false }
        return !value.allSatisfy { $0 == "*" || $0 == "x" || $0 == "X" || $0 == "." }
    }

    private static func unquoted(_ token: Substring) -> String {
        var text = token
        while let first = text.first, first == "'" || first == "\"" { text = text.dropFirst() }
        while let last = text.last, last == "'" || last == "\"" { text = text.dropLast() }
        return String(text)
    }

    private static func isSpaceOrQuote(_ character: Character) -> Bool {
        character == " " || character == "\t" || character == "\"" || character == "'"
    }

    private static func isKeyCharacter(_ character: Character) -> Bool {
        (character.isLetter || character.isNumber || character == "_" || character == "-" || character == ".") && character.isASCII
    }

    private static func isValueTerminator(_ character: Character) -> Bool {
        character.isWhitespace || character == "\"" || character == "'" || character == "," || character == ";"
            || character == "}" || character == ")" || character == "&" || character == "|"
    }
}
