import Foundation
import Instances
import SSHKeys

/// `keyward instance audit`: the image rules on a live root (`/`, or a sandbox instance's root) plus what only a
/// live system shows: the settings sshd really uses (`sshd -T`), authorized keys compared with the expected set
/// (the key pair bound to the instance, by fingerprint), and users compared with a baseline.
public struct InstanceAudit: Sendable {
    /// What the instance should have.
    public struct Expectations: Sendable, Hashable {
        /// Fingerprints of the keys that may log in (`SHA256:…` or MD5 hex, with or without colons).
        public var keyFingerprints: [String]
        /// Login-capable users that are expected; nil skips the user comparison.
        public var baselineUsers: [String]?

        public init(keyFingerprints: [String], baselineUsers: [String]?) {
            self.keyFingerprints = keyFingerprints
            self.baselineUsers = baselineUsers
        }

        func expects(_ key: PublicKey) -> Bool {
            keyFingerprints.contains { expected in
                let normalized = expected.lowercased().replacingOccurrences(of: ":", with: "")
                return expected == key.sha256Fingerprint || normalized == key.md5Fingerprint.replacingOccurrences(of: ":", with: "")
            }
        }
    }

    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// One authorized key found on the system.
    struct FoundKey {
        let user: String
        let file: String
        let line: Int
        let key: PublicKey
    }

    /// The report: image rules plus live checks.
    public func audit(_ expectations: Expectations) -> ScanReport {
        let image = (try? ImageScanner().scan(path: root)) ?? ScanReport(target: root, targetKind: "directory", findings: [], notes: [
            ScanNote(path: root, message: "the root could not be scanned"),
        ])
        var findings = image.findings
        var notes = image.notes
        let sshd = GuestSSHD(guestRoot: root)
        do {
            let settings = try sshd.effectiveConfiguration()
            findings += Self.liveSSHDFindings(settings)
        } catch {
            notes.append(ScanNote(path: "/etc/ssh/sshd_config", message: "sshd -T failed, the effective settings are unknown: \(error)"))
        }
        let keys = authorizedKeys(notes: &notes)
        for found in keys where !expectations.expects(found.key) {
            findings.append(Finding(.unexpectedAuthorizedKey, path: found.file, line: found.line,
                                    message: "\(found.user) accepts \(found.key.algorithm) \(found.key.sha256Fingerprint), which is not the expected key"))
        }
        for expected in expectations.keyFingerprints where !keys.contains(where: { Expectations(keyFingerprints: [expected], baselineUsers: nil).expects($0.key) }) {
            findings.append(Finding(.missingExpectedKey, path: "/root/.ssh/authorized_keys", message: "the expected key \(expected) is not authorized"))
        }
        if let baseline = expectations.baselineUsers, let accounts = try? GuestAccounts(guestRoot: root) {
            for account in accounts.accounts where Self.canLogIn(account) && !baseline.contains(account.name) && account.name != "root" {
                findings.append(Finding(.unknownUser, path: "/etc/passwd", message: "user \(account.name) (uid \(account.uid), shell \(account.shell)) is not in the baseline"))
            }
        }
        return ScanReport(target: root, targetKind: "live root", findings: findings, notes: notes)
    }

    /// The fix flow: keep only the expected keys, turn password login off, lock the listed leftover users (their
    /// keys removed, password locked). Every change goes through the credential apply code (atomic, `sshd -t`
    /// first, rolled back on failure). Returns what was done.
    public func fix(_ expectations: Expectations, leftoverUsers: [String]) throws -> [String] {
        var actions: [String] = []
        var notes: [ScanNote] = []
        let accounts = try GuestAccounts(guestRoot: root)
        let keys = authorizedKeys(notes: &notes)
        let users = Set(keys.map(\.user)).union(["root"]).subtracting(leftoverUsers)
        let applier = CredentialApplier(guestRoot: root, validator: GuestSSHDValidator())
        for user in users.sorted() where accounts.account(named: user) != nil {
            let kept = keys.filter { $0.user == user && expectations.expects($0.key) }.map(\.key.authorizedKeysLine)
            let removed = keys.filter { $0.user == user && !expectations.expects($0.key) }.count
            let report = try applier.apply(DesiredCredentials(
                loginUser: user, authorizedKeys: kept, passwordHash: accounts.passwordHash(of: user), passwordAuthentication: false, hostname: nil
            ))
            if removed > 0 { actions.append("removed \(removed) unexpected key(s) of \(user)") }
            if !report.changedFiles.isEmpty { actions.append("\(user): rewrote \(report.changedFiles.joined(separator: ", "))") }
        }
        for user in leftoverUsers where accounts.account(named: user) != nil {
            _ = try applier.apply(DesiredCredentials(loginUser: user, authorizedKeys: [], passwordHash: nil, passwordAuthentication: false, hostname: nil))
            actions.append("locked \(user): password locked, authorized keys removed")
        }
        actions.append("password login off (PasswordAuthentication no, KbdInteractiveAuthentication no)")
        return actions
    }

    static func liveSSHDFindings(_ settings: [String: [String]]) -> [Finding] {
        var findings: [Finding] = []
        func value(_ key: String) -> String? { settings[key]?.first }
        if value("passwordauthentication") == "yes" {
            findings.append(Finding(.liveSSHDSetting, path: "sshd -T", message: "sshd accepts passwords (passwordauthentication yes)"))
        }
        if value("kbdinteractiveauthentication") == "yes" {
            findings.append(Finding(.liveSSHDSetting, path: "sshd -T", message: "sshd accepts keyboard-interactive logins, which ask for passwords through PAM"))
        }
        if value("permitemptypasswords") == "yes" {
            findings.append(Finding(.liveSSHDSetting, severity: .critical, path: "sshd -T", message: "sshd accepts empty passwords"))
        }
        if value("pubkeyauthentication") == "no" {
            findings.append(Finding(.liveSSHDSetting, path: "sshd -T", message: "sshd refuses public keys (pubkeyauthentication no)"))
        }
        return findings
    }

    private static func canLogIn(_ account: GuestAccounts.Account) -> Bool {
        !["/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", ""].contains(account.shell)
    }

    private func authorizedKeys(notes: inout [ScanNote]) -> [FoundKey] {
        guard let accounts = try? GuestAccounts(guestRoot: root) else { return [] }
        var found: [FoundKey] = []
        for account in accounts.accounts {
            for name in [".ssh/authorized_keys", ".ssh/authorized_keys2"] {
                let guestPath = (account.home == "/" ? "" : account.home) + "/" + name
                guard let text = GuestFiles.text(guestRoot: root, path: guestPath) else { continue }
                for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    guard let parsed = AuthorizedKeysLine(String(line)) else { continue }
                    switch parsed.publicKey() {
                    case .success(let key): found.append(FoundKey(user: account.name, file: guestPath, line: index + 1, key: key))
                    case .failure(let error): notes.append(ScanNote(path: guestPath, message: "line \(index + 1): \(error)"))
                    }
                }
            }
        }
        return found
    }
}
