/// One thing `keyward image sanitize` can do, switchable on its own (like virt-sysprep's operations).
public enum SanitizeOperation: String, Sendable, Hashable, CaseIterable, Comparable {
    case lockPasswords = "lock-passwords"
    case authorizedKeys = "ssh-authorized-keys"
    case privateKeys = "private-keys"
    case shellHistory = "shell-history"
    case hostKeys = "ssh-hostkeys"
    case machineID = "machine-id"
    case passwdBackups = "passwd-backups"
    case sshdPasswordLogins = "sshd-password-logins"
    case temporaryFiles = "tmp-files"
    case userAccounts = "user-accounts"

    /// Everything but removing user accounts, which is opt-in.
    public static let defaults: Set<SanitizeOperation> = Set(allCases.filter { $0 != .userAccounts })

    public var isDefault: Bool { Self.defaults.contains(self) }

    public var summary: String {
        switch self {
        case .lockPasswords: "lock every password (shadow/passwd field set to '!'; the rest of the line kept)"
        case .authorizedKeys: "empty every authorized_keys file (mode and owner kept)"
        case .privateKeys: "delete private key files (not host keys, see ssh-hostkeys)"
        case .shellHistory: "delete shell and tool history files"
        case .hostKeys: "delete /etc/ssh/ssh_host_* (new host keys are made at first boot)"
        case .machineID: "empty /etc/machine-id and /var/lib/dbus/machine-id"
        case .passwdBackups: "delete passwd/shadow/group/gshadow/subuid/subgid backups"
        case .sshdPasswordLogins: "set PasswordAuthentication and KbdInteractiveAuthentication to no where sshd reads them first"
        case .temporaryFiles: "delete the contents of /tmp and /var/tmp"
        case .userAccounts: "remove human users (UID_MIN…UID_MAX), their homes and mail, except --keep-user (opt-in)"
        }
    }

    public static func < (lhs: SanitizeOperation, rhs: SanitizeOperation) -> Bool {
        let order = allCases
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }

    /// Parses an `--operations` list: comma-separated names; `defaults` (or `all`) adds a set, `-name` removes one.
    /// A list of removals only starts from the defaults; otherwise it starts empty. nil means the defaults.
    /// - Throws: ``SanitizeError/unknownOperation(_:)`` for a name that is not an operation.
    public static func selection(from list: String?) throws(SanitizeError) -> Set<SanitizeOperation> {
        guard let list else { return defaults }
        let items = list.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        var selected: Set<SanitizeOperation> = items.allSatisfy({ $0.hasPrefix("-") }) ? defaults : []
        for item in items {
            let removing = item.hasPrefix("-")
            let name = removing ? String(item.dropFirst()) : item
            let named: Set<SanitizeOperation>
            switch name {
            case "defaults": named = defaults
            case "all": named = Set(allCases)
            default:
                guard let operation = SanitizeOperation(rawValue: name) else { throw .unknownOperation(name) }
                named = [operation]
            }
            if removing { selected.subtract(named) } else { selected.formUnion(named) }
        }
        return selected
    }
}

/// Why a sanitize run cannot start.
public enum SanitizeError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownOperation(String)
    case target(ScanTargetError)

    public var description: String {
        switch self {
        case .unknownOperation(let name):
            "unknown operation '\(name)'; known: " + SanitizeOperation.allCases.map(\.rawValue).joined(separator: ", ")
        case .target(let error):
            error.description
        }
    }
}
