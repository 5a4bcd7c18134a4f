import Foundation
import Logging

/// Writes desired logon credentials into a guest root: the login user's `authorized_keys`, its `/etc/shadow`
/// entry, the sshd password settings and `/etc/hostname`. Used by the sandbox driver on an instance's root
/// file system and by the guest agent on `/`.
public struct CredentialApplier: Sendable {
    public let guestRoot: String
    public let validator: any SSHDConfigValidator
    private let logger: Logger

    public init(guestRoot: String, validator: any SSHDConfigValidator, logger: Logger = Logger(label: "keyward.instances.apply")) {
        self.guestRoot = guestRoot
        self.validator = validator
        self.logger = logger
    }

    /// Applies `desired` as one change.
    ///
    /// Every file is replaced through a temporary file in its own directory (written, owned, moded, synced,
    /// then renamed; a file that is itself a mount point is rewritten in place), with the modes sshd's
    /// StrictModes wants: `~/.ssh` 0700 and `authorized_keys` 0600 owned by the user, `/etc/shadow` keeping
    /// its owner and mode (0640 root:shadow when new). Then the validator checks the sshd configuration. If
    /// anything fails, every file changed so far is put back as it was, and the error is thrown.
    /// Applying the state the guest already has changes nothing and reports no file.
    public func apply(_ desired: DesiredCredentials) throws(ApplyError) -> ApplyReport {
        try desired.check()
        let root = try GuestRoot(guestRoot)
        let accounts = try GuestAccounts(root: root)
        guard let account = accounts.account(named: desired.loginUser) else { throw .unknownUser(desired.loginUser) }

        var journal = ChangeJournal()
        do throws(ApplyError) {
            try applyAuthorizedKeys(desired.authorizedKeys, account: account, root: root, journal: &journal)
            try applyPassword(desired.passwordHash ?? ShadowEdit.locked, account: account, accounts: accounts, root: root, journal: &journal)
            try applySSHDSettings(passwordAuthentication: desired.passwordAuthentication, root: root, journal: &journal)
            if let hostname = desired.hostname {
                try applyHostname(hostname, root: root, journal: &journal)
            }
            try validator.validate(guestRoot: guestRoot)
        } catch {
            let failures = journal.restore()
            logger.warning("credential apply failed; changes rolled back", metadata: [
                "guestRoot": "\(guestRoot)", "error": "\(error)", "notRestored": "\(failures)",
            ])
            guard failures.isEmpty else { throw .rollbackFailed(cause: error.description, paths: failures) }
            throw error
        }
        if !journal.changedPaths.isEmpty {
            logger.info("credentials applied", metadata: ["guestRoot": "\(guestRoot)", "changed": "\(journal.changedPaths)"])
        }
        return ApplyReport(changedFiles: journal.changedPaths)
    }

    /// (a) `~/.ssh/authorized_keys` of the user, resolved inside the guest. `~/.ssh` itself must not be a link.
    private func applyAuthorizedKeys(_ keys: [String], account: GuestAccounts.Account, root: GuestRoot, journal: inout ChangeJournal) throws(ApplyError) {
        let home = try root.locate(account.home, followFinal: true)
        let sshDirectory = home.child(".ssh")
        let authorizedKeys = sshDirectory.child("authorized_keys")
        let owner = FileAttributes(mode: 0o700, uid: account.uid, gid: account.gid)
        guard case .directory = try FileOps.state(of: home) else {
            if keys.isEmpty { return }
            throw .io(path: home.guestPath, reason: "the home directory of \(account.name) does not exist")
        }
        if keys.isEmpty {
            switch try FileOps.state(of: sshDirectory) {
            case .absent: return
            case .directory: try journal.remove(authorizedKeys)
            default: throw .unsafePath(path: sshDirectory.guestPath, reason: "expected a directory, found something else")
            }
            return
        }
        try journal.directory(sshDirectory, attributes: owner)
        let contents = Array((keys.joined(separator: "\n") + "\n").utf8)
        try journal.write(authorizedKeys, contents: contents, attributes: FileAttributes(mode: 0o600, uid: account.uid, gid: account.gid))
    }

    /// (b) The user's `/etc/shadow` password field, and `lastchg` set to today when it changes (or was 0).
    private func applyPassword(
        _ password: String,
        account: GuestAccounts.Account,
        accounts: GuestAccounts,
        root: GuestRoot,
        journal: inout ChangeJournal
    ) throws(ApplyError) {
        let shadow = try root.locate("/etc/shadow", followFinal: true)
        var original: [UInt8] = []
        var attributes = FileAttributes(mode: 0o640, uid: 0, gid: accounts.groupID(named: "shadow") ?? 0)
        switch try FileOps.state(of: shadow) {
        case .file(let contents, let existing):
            original = contents
            attributes = existing
        case .absent:
            break
        default:
            throw .unsafePath(path: shadow.guestPath, reason: "expected a regular file")
        }
        let updated = ShadowEdit.setting(password: password, of: account.name, today: ShadowEdit.daysSinceEpoch(), in: original)
        try journal.write(shadow, contents: updated, attributes: attributes)
    }

    /// (c) The drop-in, and the block at the top of `sshd_config` when the drop-in would not be read first.
    private func applySSHDSettings(passwordAuthentication: Bool, root: GuestRoot, journal: inout ChangeJournal) throws(ApplyError) {
        let directory = try root.locate(SSHDManagedConfig.dropInDirectory, followFinal: true)
        if case .absent = try FileOps.state(of: directory) {
            try journal.directory(directory, attributes: FileAttributes(mode: 0o755, uid: 0, gid: 0))
        }
        let dropIn = directory.child(SSHDManagedConfig.dropInName)
        try journal.write(
            dropIn,
            contents: SSHDManagedConfig.dropIn(passwordAuthentication: passwordAuthentication),
            attributes: FileAttributes(mode: 0o644, uid: 0, gid: 0)
        )

        let main = try root.locate(SSHDManagedConfig.mainConfig, followFinal: true)
        guard case .file(let contents, let attributes) = try FileOps.state(of: main) else {
            throw .io(path: main.guestPath, reason: "sshd's main configuration file is missing")
        }
        var text = SSHDManagedConfig.strippingBlock(TextLines(contents))
        if try SSHDConfigOrder.evaluate(main: text, dropIn: dropIn, root: root) != .dropInFirst {
            text.lines.insert(contentsOf: SSHDManagedConfig.block(passwordAuthentication: passwordAuthentication), at: 0)
            text.endsWithNewline = true
        }
        try journal.write(main, contents: text.bytes, attributes: attributes)
    }

    /// (d) `/etc/hostname`, keeping its owner and mode (0644 root when new).
    private func applyHostname(_ hostname: String, root: GuestRoot, journal: inout ChangeJournal) throws(ApplyError) {
        let file = try root.locate("/etc/hostname", followFinal: true)
        var attributes = FileAttributes(mode: 0o644, uid: 0, gid: 0)
        if case .file(_, let existing) = try FileOps.state(of: file) { attributes = existing }
        try journal.write(file, contents: Array((hostname + "\n").utf8), attributes: attributes)
    }
}
