/// One thing first boot removed from what an image carried: its kind, the guest path, and a detail that
/// never contains the secret itself.
public struct SanitizedItem: Sendable, Hashable, Codable {
    /// ``Kind`` values.
    public let kind: String
    public let path: String
    public let detail: String

    public init(kind: String, path: String, detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public enum Kind {
        public static let authorizedKeys = "authorized_keys"
        public static let password = "password"
        public static let hostKey = "host_key"
        public static let machineID = "machine_id"
    }
}

/// Clears what a custom image carried over from the instance it was captured from, at the first boot of an
/// instance made from it and before its own credentials are applied: otherwise every instance of the image
/// would accept the old keys and password and present the same host identity.
public struct FirstBootSanitizer: Sendable {
    public let guestRoot: String

    public init(guestRoot: String) {
        self.guestRoot = guestRoot
    }

    /// Removes `authorized_keys` and `authorized_keys2` from the home of every account in the guest's
    /// `/etc/passwd` (and `/root`), locks every password (`*`) except `keepPasswordOf`'s (for PasswordInherit),
    /// removes the host keys (`/etc/ssh/ssh_host_*`) and empties `/etc/machine-id`. Returns what was removed.
    /// Running it again finds nothing more to remove.
    public func sanitize(keepPasswordOf: String?) throws(ApplyError) -> [SanitizedItem] {
        let root = try GuestRoot(guestRoot)
        let accounts = try GuestAccounts(root: root)
        var items: [SanitizedItem] = []
        try removeAuthorizedKeys(homes: accounts.accounts.map(\.home) + ["/root"], root: root, into: &items)
        try lockPasswords(except: keepPasswordOf, root: root, into: &items)
        try removeHostKeys(root: root, into: &items)
        try emptyMachineID(root: root, into: &items)
        return items
    }

    private func removeAuthorizedKeys(homes: [String], root: GuestRoot, into items: inout [SanitizedItem]) throws(ApplyError) {
        var seen: Set<String> = []
        for home in homes where home.hasPrefix("/") {
            let sshDirectory = try root.locate(home + "/.ssh", followFinal: true)
            guard case .directory = try FileOps.state(of: sshDirectory) else { continue }
            for name in ["authorized_keys", "authorized_keys2"] {
                let file = sshDirectory.child(name)
                guard seen.insert(file.hostPath).inserted else { continue }
                let detail: String
                switch try FileOps.state(of: file) {
                case .file(let contents, _):
                    let keys = TextLines(contents).lines.filter { line in
                        let trimmed = line.trimmingBlanks
                        return !trimmed.isEmpty && trimmed.first != UInt8(ascii: "#")
                    }
                    detail = "removed a file of \(keys.count) key line(s)"
                case .symlink:
                    detail = "removed a symbolic link"
                default:
                    continue
                }
                try FileOps.delete(file)
                items.append(SanitizedItem(kind: SanitizedItem.Kind.authorizedKeys, path: file.guestPath, detail: detail))
            }
        }
    }

    private func lockPasswords(except keep: String?, root: GuestRoot, into items: inout [SanitizedItem]) throws(ApplyError) {
        let shadow = try root.locate("/etc/shadow", followFinal: true)
        guard case .file(let contents, let attributes) = try FileOps.state(of: shadow) else { return }
        let edit = ShadowEdit.lockingAll(except: keep, today: ShadowEdit.daysSinceEpoch(), in: contents)
        guard !edit.locked.isEmpty else { return }
        try FileOps.replace(shadow, contents: edit.bytes, attributes: attributes)
        for user in edit.locked {
            items.append(SanitizedItem(kind: SanitizedItem.Kind.password, path: shadow.guestPath, detail: "locked the password of \(user)"))
        }
    }

    private func removeHostKeys(root: GuestRoot, into items: inout [SanitizedItem]) throws(ApplyError) {
        let directory = try root.locate("/etc/ssh", followFinal: true)
        guard case .directory = try FileOps.state(of: directory) else { return }
        for name in FileOps.list(directory.hostPath).sorted() where name.hasPrefix("ssh_host_") {
            let file = directory.child(name)
            switch try FileOps.state(of: file) {
            case .file, .symlink:
                try FileOps.delete(file)
                items.append(SanitizedItem(kind: SanitizedItem.Kind.hostKey, path: file.guestPath, detail: name.hasSuffix(".pub") ? "removed a public host key" : "removed a host key"))
            default:
                continue
            }
        }
    }

    private func emptyMachineID(root: GuestRoot, into items: inout [SanitizedItem]) throws(ApplyError) {
        let file = try root.locate("/etc/machine-id", followFinal: true)
        guard case .file(let contents, let attributes) = try FileOps.state(of: file), !contents.isEmpty else { return }
        try FileOps.replace(file, contents: [], attributes: attributes)
        items.append(SanitizedItem(kind: SanitizedItem.Kind.machineID, path: file.guestPath, detail: "emptied; a new id is made at boot"))
    }
}
