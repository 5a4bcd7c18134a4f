/// Line edits of passwd, shadow, group and gshadow that keep everything else of every line.
enum AccountFileEditor {
    /// The line with its password field (field 2) set to `replacement` when it allows a login or still holds
    /// a hash; nil when there is nothing to lock. Also the account name and what the field held.
    static func lockingPasswordField(_ line: String, replacement: String) -> (line: String, name: String, was: String)? {
        guard !line.hasPrefix("#") else { return nil }
        var fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 2 else { return nil }
        let was: String
        switch PasswordFieldState(field: fields[1]) {
        case .empty: was = "an empty password"
        case .hash(let algorithm): was = "a \(algorithm.label) hash"
        case .locked(.some(let algorithm)): was = "locked, keeping a \(algorithm.label) hash"
        case .locked(.none), .disabled: return nil
        }
        fields[1] = replacement
        return (line: fields.joined(separator: ":"), name: fields[0], was: was)
    }

    /// `lines` without the records whose first field is in `names`.
    static func removingRecords(named names: Set<String>, from lines: [String]) -> [String] {
        lines.filter { line in
            guard let name = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first else { return true }
            return !names.contains(String(name))
        }
    }

    /// Group-file lines with the groups in `deleting` removed and `members` taken out of the member lists in
    /// `memberFields` (group: field 4; gshadow: fields 3 and 4, 1-based).
    static func editingGroups(_ lines: [String], deleting: Set<String>, removingMembers members: Set<String>, memberFields: [Int]) -> [String] {
        lines.compactMap { line in
            var fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard let name = fields.first, !line.hasPrefix("#") else { return line }
            if deleting.contains(name) { return nil }
            var changed = false
            for field in memberFields where field - 1 < fields.count {
                let list = fields[field - 1].split(separator: ",").map(String.init)
                let kept = list.filter { !members.contains($0) }
                if kept.count != list.count {
                    fields[field - 1] = kept.joined(separator: ",")
                    changed = true
                }
            }
            return changed ? fields.joined(separator: ":") : line
        }
    }
}

/// Edits of sshd_config text that make a keyword's first value `no`.
enum SSHDConfigEditor {
    /// The directive line with its value replaced, keeping its indentation and the keyword as written.
    static func rewrite(_ line: String, spelling: String, value: String) -> String {
        let indent = line.prefix { $0 == " " || $0 == "\t" }
        return "\(indent)\(spelling) \(value)"
    }

    /// Lines to put at the very top of the main file so that they are read before any Include.
    static func header(for directives: [String]) -> [String] {
        ["# Set by keyward image sanitize: no password logins (sshd uses the first value it reads)."] + directives
    }
}
