/// The credentials one cloud-config document sets, read from its structure (cloud-init's schema): preset
/// passwords, authorized keys, `ssh_pwauth`, and where its `ssh_keys` private keys are. Which lines it
/// read is kept, so that the line-by-line secret scan of the rest of the document does not report them again.
struct CloudConfigCredentials {
    /// A password as a cloud-config field sets it.
    enum Preset {
        case plainText
        case hash(HashAlgorithm)
        /// In a field meant for a hash, a value that is not one.
        case notAHash
    }

    /// An `ssh_keys` entry holding a private host key (`rsa_private`, `ed25519_private`, …).
    struct HostKey {
        let name: String
        let line: Int
        let value: YAMLNode
    }

    let path: String
    private(set) var findings: [Finding] = []
    private(set) var examinedLines: Set<Int> = []
    private(set) var hostKeys: [HostKey] = []

    init(path: String) {
        self.path = path
    }

    /// Reads the top-level keys cloud-init takes credentials from.
    mutating func examine(_ root: YAMLNode) {
        for entry in root.entries {
            switch entry.key {
            case "password":
                examined(entry)
                preset(entry.value.scalar, field: "password", line: entry.line, expectsHash: false) { "password sets \($0) for the default user" }
            case "chpasswd":
                examined(entry)
                chpasswd(entry.value)
            case "users":
                examined(entry)
                users(entry.value)
            case "ssh_authorized_keys":
                examined(entry)
                authorizedKeys(entry.value, owner: nil)
            case "ssh_keys":
                examined(entry)
                for key in entry.value.entries where key.key.hasSuffix("_private") {
                    hostKeys.append(HostKey(name: key.key, line: key.line, value: key.value))
                }
            case "ssh_pwauth":
                examined(entry)
                if let value = entry.value.scalar, ["true", "yes", "1", "on"].contains(value.lowercased()) {
                    findings.append(Finding(.cloudInitPasswordAuthentication, path: path, line: entry.line,
                                            message: "ssh_pwauth turns sshd PasswordAuthentication on at boot"))
                }
            case "system_info":
                // cloud.cfg describes the distribution's default user here, with the same fields as `users`.
                if let user = entry.value.entry("default_user") {
                    examined(user)
                    self.user(user.value, name: "default_user")
                }
            default:
                break
            }
        }
    }

    private mutating func examined(_ entry: YAMLNode.Entry) {
        examinedLines.formUnion(entry.lines)
    }

    // MARK: - Passwords

    /// `chpasswd: {list: …, users: […]}`: `user:password` lines (one string or a list), and `users` entries
    /// with `name`, `password` and `type` (text, hash or RANDOM).
    private mutating func chpasswd(_ node: YAMLNode) {
        if let list = node["list"] {
            let lines = list.scalar != nil ? list.scalarLines : list.items.flatMap(\.scalarLines)
            for line in lines { pair(line.text, line: line.number) }
        }
        for item in node["users"]?.items ?? [] {
            let name = item["name"]?.scalar ?? "?"
            guard let password = item.entry("password"), item["type"]?.scalar?.lowercased() != "random" else { continue }
            let expectsHash = item["type"]?.scalar?.lowercased() == "hash"
            preset(password.value.scalar, field: "password", line: password.line, expectsHash: expectsHash) {
                "chpasswd users sets \($0) for '\(name)'"
            }
        }
    }

    private mutating func pair(_ text: String, line: Int) {
        let pair = text.trimmingSpaces()
        guard let colon = pair.firstIndex(of: ":"), colon != pair.startIndex else { return }
        let user = String(pair[pair.startIndex..<colon])
        guard !user.contains(" ") else { return }
        preset(String(pair[pair.index(after: colon)...]), field: "list", line: line, expectsHash: false) { "chpasswd list sets \($0) for '\(user)'" }
    }

    private mutating func users(_ node: YAMLNode) {
        for item in node.items { user(item, name: nil) }
        // The older mapping form: `users: {alice: {passwd: …}}`.
        for entry in node.entries where !entry.value.entries.isEmpty { user(entry.value, name: entry.key) }
    }

    private mutating func user(_ node: YAMLNode, name fallback: String?) {
        guard !node.entries.isEmpty else { return }
        let name = node["name"]?.scalar ?? fallback ?? "?"
        let fields: [(String, Bool)] = [("passwd", true), ("hashed_passwd", true), ("plain_text_passwd", false)]
        for (field, expectsHash) in fields {
            guard let entry = node.entry(field) else { continue }
            preset(entry.value.scalar, field: field, line: entry.line, expectsHash: expectsHash) { "users entry '\(name)' sets \(field): \($0)" }
        }
        if let keys = node["ssh_authorized_keys"] { authorizedKeys(keys, owner: name) }
    }

    /// Reports a password value unless cloud-init generates it (`R`, `RANDOM`) or it is a placeholder.
    private mutating func preset(_ value: String?, field: String, line: Int, expectsHash: Bool, message: (String) -> String) {
        guard let value, let preset = Self.preset(value, field: field, expectsHash: expectsHash) else { return }
        let description: String
        switch preset {
        case .plainText: description = "a plain-text password"
        case .hash(let algorithm): description = "a \(algorithm.label) password hash"
        case .notAHash: description = "a value that is not a crypt hash (a plain-text password?)"
        }
        findings.append(Finding(.cloudInitPassword, path: path, line: line, message: message(description)))
    }

    /// What a password field's value sets, or nil when it sets none.
    static func preset(_ raw: String, field: String, expectsHash: Bool) -> Preset? {
        let value = raw.trimmingSpaces()
        if ["r", "random"].contains(value.lowercased()) { return nil }
        if field == "plain_text_passwd" { return SecretScanner.isSecretValue(value) || value.hasPrefix("$") ? .plainText : nil }
        // cloud-init takes `$id$…` values as hashes; a bare DES-looking word is a hash only where one is expected.
        if let algorithm = PasswordFieldState.algorithm(of: value), value.hasPrefix("$") || expectsHash { return .hash(algorithm) }
        if expectsHash, case .locked = PasswordFieldState(field: value) { return nil }
        guard SecretScanner.isSecretValue(value) else { return nil }
        return expectsHash ? .notAHash : .plainText
    }

    // MARK: - Keys

    /// `ssh_authorized_keys`: a list of key lines, or a single one.
    private mutating func authorizedKeys(_ node: YAMLNode, owner: String?) {
        let keys = node.scalar != nil ? [node] : node.items
        let source = owner.map { "ssh_authorized_keys of users entry '\($0)'" } ?? "ssh_authorized_keys entry"
        for key in keys {
            guard let text = key.scalar, let keyLine = AuthorizedKeysLine(text.trimmingSpaces().trimmingQuotes()) else { continue }
            switch keyLine.publicKey() {
            case .success(let publicKey):
                findings.append(Finding(.cloudInitAuthorizedKey, path: path, line: key.line,
                                        message: "\(source): \(publicKey.summary)\(publicKey.commentSuffix)"))
            case .failure(let error):
                findings.append(Finding(.cloudInitAuthorizedKey, path: path, line: key.line,
                                        message: "\(source) that is not a valid key (\(error.safeReason))"))
            }
        }
    }
}
