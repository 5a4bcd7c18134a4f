/// KW-CLOUD-001/002/003: credentials and password-login switches in cloud-init configuration baked into the
/// image (/etc/cloud and /var/lib/cloud).
public struct CloudConfigRules: ImageRule {
    public static let directories = ["/etc/cloud", "/var/lib/cloud"]

    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let snapshot = context.snapshot
        for directory in Self.directories {
            for file in snapshot.entries(under: directory) where file.isRegular && file.size > 0 {
                guard let lines = snapshot.lines(at: file.path, output: &output, noteBinary: false) else { continue }
                examine(lines, path: file.path, into: &output)
            }
        }
        return output
    }

    /// Line-based reading of YAML: a `chpasswd:` or `ssh_authorized_keys:` key opens a block that lasts while
    /// lines are indented deeper; anything else is checked for `key: secret` assignments.
    func examine(_ lines: [String], path: String, into output: inout RuleOutput) {
        var block: (key: String, indent: Int)?
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let indent = line.count - trimmed.count
            if let current = block, indent > current.indent || trimmed.hasPrefix("- ") && indent == current.indent {
                blockLine(String(trimmed), key: current.key, path: path, line: number, into: &output)
                continue
            }
            block = nil
            let item = trimmed.hasPrefix("- ") ? trimmed.dropFirst(2) : trimmed
            let key = item.prefix { $0 != ":" }.trimmingSpaces().lowercased()
            let value = item.drop { $0 != ":" }.dropFirst().trimmingSpaces()
            switch key {
            case "chpasswd", "ssh_authorized_keys":
                if value.isEmpty || value == "|" || value == ">" {
                    block = (key: key, indent: indent)
                } else if key == "ssh_authorized_keys" {
                    authorizedKey(value, path: path, line: number, into: &output)
                }
                if key == "chpasswd" && value.isEmpty { continue }
            case "ssh_pwauth":
                if ["true", "yes", "1", "on"].contains(value.lowercased()) {
                    output.add(Finding(.cloudInitPasswordAuthentication, path: path, line: number,
                                       message: "ssh_pwauth turns sshd PasswordAuthentication on at boot"))
                }
                continue
            default:
                break
            }
            for kind in SecretScanner.kinds(in: line) {
                output.add(Finding(.cloudInitPassword, path: path, line: number, message: "cloud-init configuration holds a \(kind)"))
            }
        }
    }

    private func blockLine(_ text: String, key: String, path: String, line: Int, into output: inout RuleOutput) {
        let item = text.hasPrefix("- ") ? String(text.dropFirst(2)) : text
        if key == "ssh_authorized_keys" {
            authorizedKey(item, path: path, line: line, into: &output)
            return
        }
        // chpasswd: `list:` / `users:` headers, then `user:password` pairs or `{name: …, password: …}` entries.
        let kinds = SecretScanner.kinds(in: item)
        if !kinds.isEmpty {
            for kind in kinds {
                output.add(Finding(.cloudInitPassword, path: path, line: line, message: "chpasswd entry holds a \(kind)"))
            }
            return
        }
        let pair = item.trimmingSpaces()
        if let colon = pair.firstIndex(of: ":"), colon != pair.startIndex {
            let user = pair[pair.startIndex..<colon]
            let secret = String(pair[pair.index(after: colon)...]).trimmingSpaces()
            let isHeader = ["list", "users", "expire", "type"].contains(user.lowercased())
            let isRandom = ["r", "random"].contains(secret.lowercased())  // cloud-init generates a password
            if !isHeader, !isRandom, !user.contains(" "), SecretScanner.isSecretValue(secret) || PasswordFieldState.algorithm(of: secret) != nil {
                output.add(Finding(.cloudInitPassword, path: path, line: line, message: "chpasswd sets a password for '\(user)'"))
            }
        }
    }

    private func authorizedKey(_ text: String, path: String, line: Int, into output: inout RuleOutput) {
        let unquoted = text.trimmingSpaces().trimmingQuotes()
        guard let keyLine = AuthorizedKeysLine(unquoted) else { return }
        switch keyLine.publicKey() {
        case .success(let key):
            output.add(Finding(.cloudInitAuthorizedKey, path: path, line: line, message: "ssh_authorized_keys entry: \(key.summary)\(key.commentSuffix)"))
        case .failure(let error):
            output.add(Finding(.cloudInitAuthorizedKey, path: path, line: line, message: "ssh_authorized_keys entry that is not a valid key (\(error.safeReason))"))
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return String(self[start..<end])
    }

    /// Without one pair of surrounding single or double quotes.
    func trimmingQuotes() -> String {
        let text = String(self)
        guard text.count >= 2, let first = text.first, first == text.last, first == "'" || first == "\"" else { return text }
        return String(text.dropFirst().dropLast())
    }
}
