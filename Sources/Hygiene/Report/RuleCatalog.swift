/// Every rule the image scanner reports, by its stable identifier. Identifiers never change meaning;
/// retired rules keep their number.
public enum RuleID: String, Sendable, Hashable, CaseIterable, Codable {
    case emptyPassword = "KW-ACCT-001"
    case presetPasswordHash = "KW-ACCT-002"
    case weakPasswordHash = "KW-ACCT-003"
    case extraRootAccount = "KW-ACCT-004"
    case duplicateUID = "KW-ACCT-005"
    case duplicateName = "KW-ACCT-006"
    case humanUser = "KW-ACCT-007"
    case lockedAccountWithHash = "KW-ACCT-008"
    case accountInconsistency = "KW-ACCT-009"
    case accountDatabaseBackup = "KW-BACKUP-001"
    case authorizedKey = "KW-KEYS-001"
    case invalidAuthorizedKeyLine = "KW-KEYS-002"
    case privateKey = "KW-KEYS-003"
    case hostKey = "KW-KEYS-004"
    case historyFile = "KW-HIST-001"
    case secretInHistory = "KW-HIST-002"
    case temporaryFiles = "KW-TMP-001"
    case secretInTemporaryFile = "KW-TMP-002"
    case cloudInitPassword = "KW-CLOUD-001"
    case cloudInitAuthorizedKey = "KW-CLOUD-002"
    case cloudInitPasswordAuthentication = "KW-CLOUD-003"
    case machineID = "KW-SYS-001"
    case tcpWrappers = "KW-SYS-002"
    case nologin = "KW-SYS-003"
    case pamNullok = "KW-PAM-001"
    case pamAccessDeny = "KW-PAM-002"
    case sshdPasswordAuthentication = "KW-SSHD-001"
    case sshdKeyboardInteractive = "KW-SSHD-002"
    case sshdPermitRootLogin = "KW-SSHD-003"
    case sshdPermitEmptyPasswords = "KW-SSHD-004"
    case sshdPubkeyDisabled = "KW-SSHD-005"
    case sshdMaxAuthTries = "KW-SSHD-006"
    case sshdMatchRelaxes = "KW-SSHD-007"
    case sshdRiskyOption = "KW-SSHD-008"
    case sshdAuthorizedKeysLocation = "KW-SSHD-009"
    case sshdWithoutPAM = "KW-SSHD-010"
    case unexpectedAuthorizedKey = "KW-LIVE-001"
    case missingExpectedKey = "KW-LIVE-002"
    case unknownUser = "KW-LIVE-003"
    case liveSSHDSetting = "KW-LIVE-004"

    /// The catalogue entry: title, default severity and remediation.
    public var descriptor: RuleDescriptor { RuleCatalog.descriptor(for: self) }
}

/// What a rule checks and how to fix what it finds.
public struct RuleDescriptor: Sendable, Hashable {
    public let id: RuleID
    /// A short name, e.g. "Account with an empty password".
    public let title: String
    /// Severity of a finding unless the finding's context raises or lowers it.
    public let defaultSeverity: Severity
    /// What the rule looks at.
    public let check: String
    /// How to fix a finding.
    public let remediation: String
}

/// The one table of rules: identifier, title, default severity, what is checked, how to fix it.
public enum RuleCatalog {
    /// Every rule, in identifier order.
    public static var all: [RuleDescriptor] { RuleID.allCases.map(descriptor(for:)) }

    // One row per rule; the switch is exhaustive, so a new RuleID cannot ship without its row.
    public static func descriptor(for id: RuleID) -> RuleDescriptor {
        switch id {
        case .emptyPassword:
            row(id, "Account with an empty password", .critical,
                "/etc/shadow and /etc/passwd password fields that are empty (no password needed).",
                "Lock the account (`passwd -l USER`, or set the shadow password field to `!`); give users keys at first boot.")
        case .presetPasswordHash:
            row(id, "Preset password hash", .high,
                "Password hashes set in /etc/shadow or /etc/passwd for any account.",
                "Lock the password (`passwd -l USER` / shadow field `!`) and let cloud-init or the control plane set credentials per instance.")
        case .weakPasswordHash:
            row(id, "Preset password with a weak hash", .critical,
                "Password hashes made with md5crypt, DES, bigcrypt, bsdicrypt, SunMD5 or NT hashing.",
                "Remove the hash (lock the account); if a password is needed, set it per instance with yescrypt or sha512crypt.")
        case .extraRootAccount:
            row(id, "Extra UID 0 account", .high,
                "Accounts other than root with UID 0 in /etc/passwd.",
                "Delete the account (`userdel`), or give it its own UID; root must be the only UID 0 account.")
        case .duplicateUID:
            row(id, "Duplicate UID", .medium,
                "Non-zero UIDs shared by several accounts in /etc/passwd.",
                "Give every account its own UID (`usermod -u`), then fix file ownership.")
        case .duplicateName:
            row(id, "Duplicate account or group", .medium,
                "Account names repeated in /etc/passwd or /etc/shadow, group names or GIDs repeated in /etc/group.",
                "Remove the duplicate lines (`pwck`, `grpck`).")
        case .humanUser:
            row(id, "Human user left in the image", .medium,
                "Accounts with UID_MIN ≤ UID ≤ UID_MAX (from the image's /etc/login.defs, default 1000–60000).",
                "Remove build-time users (`userdel -r USER`, or `keyward image sanitize --operations defaults,user-accounts`).")
        case .lockedAccountWithHash:
            row(id, "Locked account keeps its password hash", .low,
                "Shadow password fields locked with `!` in front of a real hash, which can still be cracked offline.",
                "Replace the field with `!` alone (`usermod -p '!' USER`).")
        case .accountInconsistency:
            row(id, "passwd and shadow disagree", .low,
                "Shadow entries without a passwd account, and shadowed accounts without a shadow entry.",
                "Run `pwck` on the image and remove or complete the stray entries.")
        case .accountDatabaseBackup:
            row(id, "Backup of an account database", .high,
                "/etc/{passwd,shadow,group,gshadow,subuid,subgid} backups (`-`, `~`, `.bak`, `.old`, `.orig`, `.save`).",
                "Delete the backup files; shadow backups keep old password hashes.")
        case .authorizedKey:
            row(id, "Authorized key in the image", .high,
                "Keys in authorized_keys files: the homes of every /etc/passwd account with sshd's AuthorizedKeysFile, and every file of that name.",
                "Empty the file; install keys per instance at first boot (cloud-init, instance metadata, the control plane).")
        case .invalidAuthorizedKeyLine:
            row(id, "Unreadable authorized_keys line", .low,
                "Lines of authorized_keys files that are not a valid public key.",
                "Remove or correct the line; sshd ignores it.")
        case .privateKey:
            row(id, "Private key in the image", .critical,
                "PEM (RSA, DSA, EC, PKCS#8), OpenSSH, PuTTY, SSH.com and OpenPGP private keys anywhere in the image, "
                    + "cloud-init `ssh_keys` host keys included.",
                "Delete the key from the image and revoke it wherever its public half is trusted; generate keys per instance.")
        case .hostKey:
            row(id, "SSH host key baked into the image", .high,
                "/etc/ssh/ssh_host_*key files: every instance from the image would share the host identity.",
                "Delete /etc/ssh/ssh_host_* so that sshd or cloud-init generates new host keys at first boot.")
        case .historyFile:
            row(id, "Shell or tool history left in the image", .medium,
                "History files of shells and tools (bash, zsh, sh, ash, fish, python, mysql, psql, sqlite, less, node, redis-cli, irb, …).",
                "Delete the history files before capturing the image (`keyward image sanitize --operations shell-history`).")
        case .secretInHistory:
            row(id, "Secret in a history file", .high,
                "Passwords, tokens and keys typed on command lines recorded in history files.",
                "Delete the history file and change every credential it recorded.")
        case .temporaryFiles:
            row(id, "Leftover files in /tmp or /var/tmp", .low,
                "Entries left in /tmp and /var/tmp, each file, link and empty directory by its path "
                    + "(50 per directory, then a count of the rest).",
                "Empty /tmp and /var/tmp before capturing the image.")
        case .secretInTemporaryFile:
            row(id, "Secret in a temporary file", .high,
                "Passwords, tokens and keys in files under /tmp and /var/tmp.",
                "Delete the file and change the credential.")
        case .cloudInitPassword:
            row(id, "Password in cloud-init configuration", .high,
                "`password`, `chpasswd` `list`/`users`, `users[].passwd`/`hashed_passwd`/`plain_text_passwd` (not `RANDOM`) "
                    + "and other secrets in cloud-init configuration: /etc/cloud, /var/lib/cloud, and `#cloud-config` "
                    + "or multipart user-data files anywhere in the image.",
                "Remove the password from the configuration; pass credentials per instance in user data instead.")
        case .cloudInitAuthorizedKey:
            row(id, "Authorized key in cloud-init configuration", .high,
                "`ssh_authorized_keys` entries (top level and in `users`) in /etc/cloud, /var/lib/cloud "
                    + "and cloud-config files anywhere in the image.",
                "Remove the key; pass keys per instance in user data or instance metadata.")
        case .cloudInitPasswordAuthentication:
            row(id, "cloud-init enables SSH password authentication", .medium,
                "`ssh_pwauth: true` in cloud-init configuration, which turns PasswordAuthentication on at boot.",
                "Set `ssh_pwauth: false` or remove the key.")
        case .machineID:
            row(id, "machine-id baked into the image", .medium,
                "Non-empty /etc/machine-id and /var/lib/dbus/machine-id.",
                "Truncate /etc/machine-id (systemd makes a new one at first boot) and link /var/lib/dbus/machine-id to it.")
        case .tcpWrappers:
            row(id, "tcp_wrappers rule restricts sshd", .medium,
                "/etc/hosts.deny and /etc/hosts.allow rules that deny sshd (effective only where sshd is built with libwrap).",
                "Remove the rule or make sure hosts.allow admits the networks administrators connect from.")
        case .nologin:
            row(id, "/etc/nologin blocks logins", .medium,
                "/etc/nologin present: pam_nologin refuses every non-root login while it exists.",
                "Delete /etc/nologin from the image.")
        case .pamNullok:
            row(id, "pam_unix accepts empty passwords", .medium,
                "`nullok` on pam_unix lines in /etc/pam.d.",
                "Remove `nullok` from the pam_unix lines (Debian: `pam-auth-update`), and lock accounts without a password.")
        case .pamAccessDeny:
            row(id, "pam_access denies logins", .medium,
                "pam_access in a PAM stack with deny rules in its access file (/etc/security/access.conf).",
                "Check that the deny rules leave the intended administrators in; remove them from a generic image.")
        case .sshdPasswordAuthentication:
            row(id, "sshd allows password authentication", .high,
                "Effective PasswordAuthentication (first value wins across sshd_config and its Include files; default yes).",
                "Set `PasswordAuthentication no` where the first value is read (a `00-` drop-in or the line that wins).")
        case .sshdKeyboardInteractive:
            row(id, "sshd allows keyboard-interactive authentication", .high,
                "Effective KbdInteractiveAuthentication (alias ChallengeResponseAuthentication; default yes); with UsePAM it asks for passwords.",
                "Set `KbdInteractiveAuthentication no` where the first value is read.")
        case .sshdPermitRootLogin:
            row(id, "sshd PermitRootLogin yes", .high,
                "Effective PermitRootLogin (default prohibit-password).",
                "Set `PermitRootLogin no` (or `prohibit-password`) and administer through a user with sudo.")
        case .sshdPermitEmptyPasswords:
            row(id, "sshd permits empty passwords", .high,
                "Effective PermitEmptyPasswords (default no).",
                "Set `PermitEmptyPasswords no`.")
        case .sshdPubkeyDisabled:
            row(id, "sshd public key authentication disabled", .medium,
                "Effective PubkeyAuthentication (default yes).",
                "Set `PubkeyAuthentication yes`; keys are how instances from an image should be reached.")
        case .sshdMaxAuthTries:
            row(id, "sshd MaxAuthTries above 4", .low,
                "Effective MaxAuthTries (default 6; CIS recommends 4 or fewer).",
                "Set `MaxAuthTries 4`.")
        case .sshdMatchRelaxes:
            row(id, "Match block relaxes sshd authentication", .medium,
                "Match blocks that turn on password, keyboard-interactive, empty-password or root logins for some connections.",
                "Remove the override unless the exception is intended and documented.")
        case .sshdRiskyOption:
            row(id, "Risky sshd option", .low,
                "X11Forwarding yes, PermitUserEnvironment yes, HostbasedAuthentication yes, IgnoreRhosts no.",
                "Set the option back to its safe value.")
        case .sshdAuthorizedKeysLocation:
            row(id, "sshd reads keys from a non-default place", .info,
                "AuthorizedKeysFile and AuthorizedKeysCommand settings that differ from the defaults.",
                "Make sure provisioning writes keys where sshd reads them, and that those places are empty in the image.")
        case .sshdWithoutPAM:
            row(id, "sshd does not use PAM", .info,
                "Effective UsePAM no: PAM account checks (pam_nologin, pam_access, expiry) do not apply to SSH logins.",
                "Set `UsePAM yes` where the distribution expects it.")
        case .unexpectedAuthorizedKey:
            row(id, "Authorized key not expected on the instance", .high,
                "Keys in authorized_keys of a running instance whose fingerprint is not among the expected key pairs.",
                "Remove the key (`keyward instance audit --fix`) and find out who added it.")
        case .missingExpectedKey:
            row(id, "Expected key not authorized", .medium,
                "Key pairs bound to the instance whose fingerprint appears in no authorized_keys file.",
                "Bind the key pair again so that it is written to the instance.")
        case .unknownUser:
            row(id, "User not in the baseline", .medium,
                "Accounts with a login shell on a running instance that the baseline does not list.",
                "Remove or lock the account, or add it to the baseline if it is intended.")
        case .liveSSHDSetting:
            row(id, "Risky setting in sshd's running configuration", .high,
                "Settings `sshd -T` reports: password, keyboard-interactive or empty-password logins on, public keys off.",
                "Fix the sshd configuration where the first value is read and reload sshd.")
        }
    }

    private static func row(_ id: RuleID, _ title: String, _ severity: Severity, _ check: String, _ remediation: String) -> RuleDescriptor {
        RuleDescriptor(id: id, title: title, defaultSeverity: severity, check: check, remediation: remediation)
    }
}
