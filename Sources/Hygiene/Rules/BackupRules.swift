/// Backups of the account databases that tools leave next to them (KW-BACKUP-001).
public enum AccountBackups {
    static let databases = ["passwd", "shadow", "group", "gshadow", "subuid", "subgid"]
    static let suffixes = ["-", "~", ".bak", ".old", ".orig", ".save"]

    /// Every backup path looked at: `/etc/shadow-`, `/etc/passwd.bak`, …
    public static let candidatePaths: [String] = databases.flatMap { name in suffixes.map { "/etc/\(name)\($0)" } }

    /// True for the backups that may hold password hashes.
    static func holdsHashes(_ path: String) -> Bool {
        let name = ImagePath.name(of: path)
        return name.hasPrefix("shadow") || name.hasPrefix("gshadow")
    }
}

/// KW-BACKUP-001: backups of passwd, shadow, group, gshadow, subuid and subgid.
public struct BackupRules: ImageRule {
    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let snapshot = context.snapshot
        for path in AccountBackups.candidatePaths {
            guard let entry = snapshot.entry(at: path) else { continue }
            guard AccountBackups.holdsHashes(path) else {
                output.add(Finding(.accountDatabaseBackup, severity: .low, path: path,
                                   message: "backup of an account database (\(entry.kindDescription))"))
                continue
            }
            var hashes = 0
            var empty = 0
            for line in snapshot.lines(at: path, output: &output) ?? [] {
                let fields = line.split(separator: ":", omittingEmptySubsequences: false)
                guard fields.count >= 2, !line.hasPrefix("#") else { continue }
                switch PasswordFieldState(field: String(fields[1])) {
                case .hash, .locked(.some): hashes += 1
                case .empty: empty += 1
                case .locked(.none), .disabled: break
                }
            }
            let holdsSecrets = hashes > 0 || empty > 0
            output.add(Finding(
                .accountDatabaseBackup,
                severity: holdsSecrets ? .high : .low,
                path: path,
                message: holdsSecrets
                    ? "shadow backup holds \(hashes) password hash(es) and \(empty) empty password(s)"
                    : "shadow backup without password hashes"
            ))
        }
        return output
    }
}
