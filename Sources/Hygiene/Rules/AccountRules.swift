/// Password hashes, empty passwords, extra UID 0 accounts, duplicates, human users and passwd/shadow
/// consistency (KW-ACCT-001…009).
public struct AccountRules: ImageRule {
    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let accounts = context.accounts
        for entry in accounts.shadow {
            passwordFindings(name: entry.name, field: entry.passwordField, path: AccountDatabase.shadowPath, line: entry.line, into: &output)
        }
        for user in accounts.passwd where user.passwordField != "x" {
            passwordFindings(name: user.name, field: user.passwordField, path: AccountDatabase.passwdPath, line: user.line, into: &output)
        }
        rootAccounts(accounts, into: &output)
        duplicates(accounts, into: &output)
        for user in accounts.humanUsers {
            output.add(Finding(
                .humanUser,
                path: AccountDatabase.passwdPath,
                line: user.line,
                message: "user '\(user.name)' (UID \(user.uid ?? -1), home \(user.home)) is in the human UID range "
                    + "\(accounts.humanUIDs.lowerBound)–\(accounts.humanUIDs.upperBound)"
            ))
        }
        consistency(accounts, into: &output)
        for (path, line) in accounts.malformedLines {
            output.note(path, "line \(line) is malformed and was skipped")
        }
        return output
    }

    private func passwordFindings(name: String, field: String, path: String, line: Int, into output: inout RuleOutput) {
        switch PasswordFieldState(field: field) {
        case .empty:
            output.add(Finding(
                .emptyPassword, path: path, line: line,
                message: "account '\(name)' has an empty password field: no password is asked where empty passwords are accepted"
            ))
        case .hash(let algorithm) where algorithm.isWeak:
            output.add(Finding(
                .weakPasswordHash, path: path, line: line,
                message: "account '\(name)' has a preset password hashed with \(algorithm.label), a weak scheme"
            ))
        case .hash(let algorithm):
            let exposed = path == AccountDatabase.passwdPath ? " in world-readable /etc/passwd" : ""
            output.add(Finding(
                .presetPasswordHash, severity: exposed.isEmpty ? nil : .critical, path: path, line: line,
                message: "account '\(name)' has a preset password hash (\(algorithm.label))\(exposed)"
            ))
        case .locked(.some(let algorithm)):
            output.add(Finding(
                .lockedAccountWithHash, path: path, line: line,
                message: "account '\(name)' is locked but keeps its \(algorithm.label) hash"
            ))
        case .locked(.none), .disabled:
            break
        }
    }

    private func rootAccounts(_ accounts: AccountDatabase, into output: inout RuleOutput) {
        for user in accounts.passwd where user.uid == 0 && user.name != "root" {
            let state = accounts.passwordState(of: user).state
            let login = state.allowsPasswordLogin ? "and can log in with a password" : "(its password is locked)"
            output.add(Finding(
                .extraRootAccount,
                severity: state.allowsPasswordLogin ? .high : .medium,
                path: AccountDatabase.passwdPath,
                line: user.line,
                message: "account '\(user.name)' has UID 0 \(login)"
            ))
        }
    }

    private func duplicates(_ accounts: AccountDatabase, into output: inout RuleOutput) {
        var byUID: [Int: [PasswdEntry]] = [:]
        for user in accounts.passwd {
            if let uid = user.uid, uid != 0 { byUID[uid, default: []].append(user) }
        }
        for (uid, users) in byUID.sorted(by: { $0.key < $1.key }) where users.count > 1 {
            output.add(Finding(
                .duplicateUID, path: AccountDatabase.passwdPath, line: users[1].line,
                message: "UID \(uid) is shared by \(users.map { "'\($0.name)'" }.joined(separator: ", "))"
            ))
        }
        repeated(accounts.passwd.map { ($0.name, $0.line) }, path: AccountDatabase.passwdPath, what: "account", severity: .medium, into: &output)
        repeated(accounts.shadow.map { ($0.name, $0.line) }, path: AccountDatabase.shadowPath, what: "shadow entry", severity: .medium, into: &output)
        repeated(accounts.groups.map { ($0.name, $0.line) }, path: AccountDatabase.groupPath, what: "group", severity: .low, into: &output)
        repeated(accounts.groups.compactMap { group in group.gid.map { (String($0), group.line) } },
                 path: AccountDatabase.groupPath, what: "group ID", severity: .low, into: &output)
    }

    /// One finding for every key that appears again after its first line.
    private func repeated(_ keys: [(String, Int)], path: String, what: String, severity: Severity, into output: inout RuleOutput) {
        var firstLine: [String: Int] = [:]
        for (key, line) in keys {
            if let first = firstLine[key] {
                output.add(Finding(.duplicateName, severity: severity, path: path, line: line,
                                   message: "\(what) '\(key)' repeats line \(first)"))
            } else {
                firstLine[key] = line
            }
        }
    }

    private func consistency(_ accounts: AccountDatabase, into output: inout RuleOutput) {
        guard accounts.hasShadowFile else { return }
        let users = Set(accounts.passwd.map(\.name))
        for entry in accounts.shadow where !users.contains(entry.name) {
            output.add(Finding(.accountInconsistency, path: AccountDatabase.shadowPath, line: entry.line,
                               message: "shadow entry '\(entry.name)' has no account in /etc/passwd"))
        }
        let shadowed = Set(accounts.shadow.map(\.name))
        for user in accounts.passwd where user.passwordField == "x" && !shadowed.contains(user.name) {
            output.add(Finding(.accountInconsistency, path: AccountDatabase.passwdPath, line: user.line,
                               message: "account '\(user.name)' refers to /etc/shadow, which has no entry for it"))
        }
    }
}
