/// Which operations to run, and which users to keep.
public struct SanitizeOptions: Sendable, Hashable {
    public var operations: Set<SanitizeOperation>
    /// Accounts `user-accounts` must not remove.
    public var keepUsers: Set<String>

    public init(operations: Set<SanitizeOperation> = SanitizeOperation.defaults, keepUsers: Set<String> = []) {
        self.operations = operations
        self.keepUsers = keepUsers
    }
}

/// Computes a ``SanitizePlan`` from a snapshot, touching nothing. Edits of one file by several operations are
/// combined into one write; paths are resolved inside the image, so no change can land outside it.
struct SanitizePlanner {
    let context: RuleContext
    let options: SanitizeOptions
    private var actions: [SanitizeAction] = []
    private var notes: [ScanNote] = []
    private var texts: [String: EditedText] = [:]
    private var textOrder: [String] = []
    private var plainWrites: [FileWrite] = []
    private var removals: [Removal] = []
    private var removedHomes: [String] = []

    private struct EditedText {
        var lines: [String]
        let trailingNewline: Bool
        let entry: FileEntry?
        var changed = false
    }

    init(context: RuleContext, options: SanitizeOptions) {
        self.context = context
        self.options = options
    }

    private var snapshot: ImageSnapshot { context.snapshot }

    mutating func makePlan() -> SanitizePlan {
        let selected = options.operations
        if selected.contains(.userAccounts) { planUserRemoval() }
        if selected.contains(.lockPasswords) { planPasswordLocks() }
        if selected.contains(.authorizedKeys) { planAuthorizedKeys() }
        if selected.contains(.privateKeys) { planPrivateKeys() }
        if selected.contains(.shellHistory) { planHistories() }
        if selected.contains(.hostKeys) { planHostKeys() }
        if selected.contains(.machineID) { planMachineID() }
        if selected.contains(.passwdBackups) { planBackups() }
        if selected.contains(.sshdPasswordLogins) { planSSHD() }
        if selected.contains(.temporaryFiles) { planTemporaryFiles() }
        var writes = plainWrites
        for path in textOrder {
            guard let text = texts[path], text.changed else { continue }
            let body = text.lines.joined(separator: "\n") + (text.trailingNewline || text.entry == nil ? "\n" : "")
            writes.append(FileWrite(
                path: path, content: Array(body.utf8),
                permissions: text.entry?.permissions ?? 0o644, uid: text.entry?.uid ?? 0, gid: text.entry?.gid ?? 0,
                creates: text.entry == nil
            ))
        }
        return SanitizePlan(actions: actions, notes: notes, writes: writes, removals: removals)
    }

    // MARK: - Operations

    private mutating func planUserRemoval() {
        let accounts = context.accounts
        for name in options.keepUsers.sorted() where !accounts.passwd.contains(where: { $0.name == name }) {
            notes.append(ScanNote(path: AccountDatabase.passwdPath, message: "--keep-user \(name): no such account"))
        }
        let keep = options.keepUsers
        let leaving = accounts.humanUsers.filter { !keep.contains($0.name) }
        guard !leaving.isEmpty else { return }
        let names = Set(leaving.map(\.name))
        let staying = accounts.passwd.filter { !names.contains($0.name) }
        let stayingGIDs = Set(staying.compactMap(\.gid))
        let ownGroups = Set(leaving.compactMap { user -> String? in
            guard let group = accounts.groups.first(where: { $0.name == user.name }), group.gid == user.gid,
                  group.members.allSatisfy({ names.contains($0) }), !(group.gid.map { stayingGIDs.contains($0) } ?? false)
            else { return nil }
            return group.name
        })
        replaceLines(AccountDatabase.passwdPath) { AccountFileEditor.removingRecords(named: names, from: $0) }
        replaceLines(AccountDatabase.shadowPath) { AccountFileEditor.removingRecords(named: names, from: $0) }
        replaceLines(AccountDatabase.groupPath) { AccountFileEditor.editingGroups($0, deleting: ownGroups, removingMembers: names, memberFields: [4]) }
        replaceLines("/etc/gshadow") { AccountFileEditor.editingGroups($0, deleting: ownGroups, removingMembers: names, memberFields: [3, 4]) }
        for user in leaving {
            add(.userAccounts, AccountDatabase.passwdPath, "remove user '\(user.name)' (UID \(user.uid ?? -1)) from passwd, shadow, group and gshadow")
            if let home = removableHome(user, staying: staying) {
                removedHomes.append(home)
                removals.append(Removal(path: home, recursive: true))
                add(.userAccounts, home, "delete the home directory of '\(user.name)'")
            }
            for spool in ["/var/mail/\(user.name)", "/var/spool/mail/\(user.name)"] {
                guard let entry = snapshot.entry(at: spool), entry.isRegular else { continue }
                removals.append(Removal(path: spool, recursive: false))
                add(.userAccounts, spool, "delete the mail spool of '\(user.name)'")
            }
        }
    }

    private static let protectedDirectories: Set<String> = [
        "/", "/root", "/home", "/usr", "/usr/local", "/var", "/var/lib", "/var/run", "/var/spool", "/var/mail", "/etc", "/bin",
        "/sbin", "/lib", "/lib64", "/opt", "/srv", "/tmp", "/var/tmp", "/boot", "/dev", "/proc", "/sys", "/run", "/nonexistent",
    ]

    /// The home to delete with a removed user: a real directory (no link on the way), not a system directory,
    /// not the home of an account that stays.
    private func removableHome(_ user: PasswdEntry, staying: [PasswdEntry]) -> String? {
        guard let home = ImagePath.normalized(user.home), !Self.protectedDirectories.contains(home),
              ImagePath.components(home).count >= 2,
              !staying.contains(where: { ImagePath.normalized($0.home).map { ImagePath.isInside($0, home) } ?? false }),
              case .success(let resolved) = snapshot.resolve(home, followFinalLink: false),
              resolved.path == home, resolved.entry.isDirectory
        else { return nil }
        return home
    }

    private mutating func planPasswordLocks() {
        lockPasswords(in: AccountDatabase.shadowPath) { _ in "!" }
        let shadowed = Set(context.accounts.shadow.map(\.name))
        lockPasswords(in: AccountDatabase.passwdPath) { shadowed.contains($0) ? "x" : "!" }
    }

    /// Locks every line of `path` that allows a password login or keeps a hash; one action per account.
    private mutating func lockPasswords(in path: String, replacement: (String) -> String) {
        guard let key = loadText(path), var text = texts[key] else { return }
        for index in text.lines.indices {
            let name = text.lines[index].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard let locked = AccountFileEditor.lockingPasswordField(text.lines[index], replacement: replacement(name)) else { continue }
            text.lines[index] = locked.line
            text.changed = true
            add(.lockPasswords, key, "lock '\(locked.name)' (was \(locked.was))")
        }
        texts[key] = text
    }

    private mutating func planAuthorizedKeys() {
        let snapshot = context.snapshot
        var found: [ScanNote] = []
        let files = AuthorizedKeysLocator.locate(in: context, notes: &found)
        for file in files where !isRemoved(file.path) {
            guard let entry = snapshot.entry(at: file.path), entry.size > 0 else { continue }
            let keys = (snapshot.lines(at: file.path, notes: &found) ?? []).filter { AuthorizedKeysLine($0) != nil }.count
            plainWrites.append(FileWrite(path: file.path, content: [], permissions: entry.permissions, uid: entry.uid, gid: entry.gid, creates: false))
            add(.authorizedKeys, file.path, "empty the file (\(keys) key line(s)), keeping mode \(String(entry.permissions, radix: 8)) and owner \(entry.uid):\(entry.gid)")
        }
        notes.append(contentsOf: found)
    }

    private mutating func planPrivateKeys() {
        var found: [ScanNote] = []
        let files = PrivateKeyRules.keyFiles(in: context.snapshot, notes: &found)
        for file in files where !isRemoved(file.path) {
            let kinds = file.keys.map(\.container.rawValue).joined(separator: ", ")
            removals.append(Removal(path: file.path, recursive: false))
            add(.privateKeys, file.path, "delete (\(kinds))")
        }
        notes.append(contentsOf: found)
    }

    private mutating func planHistories() {
        for (entry, tool) in HistoryRules.historyFiles(in: snapshot) where !isRemoved(entry.path) {
            removals.append(Removal(path: entry.path, recursive: false))
            add(.shellHistory, entry.path, "delete \(tool) history (\(entry.size) bytes)")
        }
    }

    private mutating func planHostKeys() {
        for entry in snapshot.children(of: "/etc/ssh") where ImagePath.name(of: entry.path).hasPrefix("ssh_host_") && !entry.isDirectory {
            removals.append(Removal(path: entry.path, recursive: false))
            add(.hostKeys, entry.path, "delete host key file")
        }
    }

    private mutating func planMachineID() {
        for path in MachineIDRules.paths {
            guard let entry = snapshot.entry(at: path), entry.isRegular, entry.size > 0 else { continue }
            plainWrites.append(FileWrite(path: path, content: [], permissions: entry.permissions, uid: entry.uid, gid: entry.gid, creates: false))
            add(.machineID, path, "empty the file (a new machine-id is made at first boot)")
        }
    }

    private mutating func planBackups() {
        for path in AccountBackups.candidatePaths {
            guard let entry = snapshot.entry(at: path), !entry.isDirectory else { continue }
            removals.append(Removal(path: path, recursive: false))
            add(.passwdBackups, path, "delete backup (\(entry.kindDescription))")
        }
    }

    private mutating func planSSHD() {
        guard let config = context.sshd else {
            notes.append(ScanNote(path: SSHDConfigEvaluator.defaultMainPath, message: "no OpenSSH server configuration; sshd-password-logins has nothing to change"))
            return
        }
        var unset: [String] = []
        for keyword in ["PasswordAuthentication", "KbdInteractiveAuthentication"] {
            guard let setting = config.setting(keyword) else {
                unset.append(keyword)
                continue
            }
            guard setting.value.lowercased() != "no" else { continue }
            let target = resolvedPath(setting.path)
            editLines(setting.path) { lines in
                guard setting.line - 1 < lines.count else { return false }
                lines[setting.line - 1] = SSHDConfigEditor.rewrite(lines[setting.line - 1], spelling: setting.spelling, value: "no")
                return true
            }
            add(.sshdPasswordLogins, target, "line \(setting.line): '\(setting.spelling) \(setting.value)' becomes '\(setting.spelling) no' (the value sshd reads first)")
        }
        guard !unset.isEmpty else { return }
        let directives = unset.map { "\($0) no" }
        let mainPath = config.mainPath
        if config.mainFileFound {
            editLines(mainPath) { lines in
                lines.insert(contentsOf: SSHDConfigEditor.header(for: directives), at: 0)
                return true
            }
        } else {
            guard snapshot.entry(at: SSHDConfigEvaluator.configDirectory)?.isDirectory == true else {
                notes.append(ScanNote(path: mainPath, message: "no /etc/ssh directory; sshd configuration not created"))
                return
            }
            texts[mainPath] = EditedText(lines: SSHDConfigEditor.header(for: directives), trailingNewline: true, entry: nil, changed: true)
            textOrder.append(mainPath)
        }
        for directive in directives {
            add(.sshdPasswordLogins, resolvedPath(mainPath), "add '\(directive)' at the top (unset so far, and OpenSSH defaults to yes)")
        }
    }

    private mutating func planTemporaryFiles() {
        for directory in TemporaryFileRules.directories {
            guard let entry = snapshot.entry(at: directory), entry.isDirectory else { continue }
            for child in snapshot.children(of: directory) {
                removals.append(Removal(path: child.path, recursive: child.isDirectory))
                add(.temporaryFiles, child.path, child.isDirectory ? "delete directory and its contents" : "delete \(child.kindDescription)")
            }
        }
    }

    // MARK: - Helpers

    private mutating func add(_ operation: SanitizeOperation, _ path: String, _ summary: String) {
        actions.append(SanitizeAction(operation: operation, path: path, summary: summary))
    }

    private func isRemoved(_ path: String) -> Bool {
        removedHomes.contains { ImagePath.isInside(path, $0) }
    }

    private func resolvedPath(_ path: String) -> String {
        if case .success(let resolved) = snapshot.resolve(path) { return resolved.path }
        return path
    }

    /// Loads the text of `path` (resolved inside the image) for editing, once; returns the resolved path, or nil
    /// (with a note) when the file cannot be edited.
    private mutating func loadText(_ path: String) -> String? {
        let resolved: ResolvedPath
        switch context.snapshot.resolve(path) {
        case .success(let found): resolved = found
        case .failure(let failure):
            if !failure.isMissing { notes.append(ScanNote(path: path, message: "not changed: \(failure.description)")) }
            return nil
        }
        if texts[resolved.path] != nil { return resolved.path }
        guard resolved.entry.isRegular else {
            notes.append(ScanNote(path: path, message: "not changed: a \(resolved.entry.kindDescription)"))
            return nil
        }
        switch context.snapshot.data(at: resolved.path) {
        case .success(let data) where !data.truncated:
            texts[resolved.path] = EditedText(lines: ImageSnapshot.lines(of: data.bytes), trailingNewline: data.bytes.last == 0x0A, entry: resolved.entry)
            textOrder.append(resolved.path)
            return resolved.path
        case .success:
            notes.append(ScanNote(path: path, message: "not changed: too large to edit safely"))
            return nil
        case .failure(let failure):
            notes.append(ScanNote(path: path, message: "not changed: \(failure.description)"))
            return nil
        }
    }

    /// Applies `change` to the lines of `path`; `change` returns whether it changed anything.
    private mutating func editLines(_ path: String, _ change: (inout [String]) -> Bool) {
        guard let key = loadText(path), var text = texts[key] else { return }
        if change(&text.lines) { text.changed = true }
        texts[key] = text
    }

    /// Replaces the lines of `path` with `transform(lines)`.
    private mutating func replaceLines(_ path: String, _ transform: ([String]) -> [String]) {
        editLines(path) { lines in
            let edited = transform(lines)
            guard edited != lines else { return false }
            lines = edited
            return true
        }
    }
}
