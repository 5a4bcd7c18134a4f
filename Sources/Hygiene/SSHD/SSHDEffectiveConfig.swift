/// The configuration sshd would run with for connections that no Match block selects, evaluated from the
/// files alone (no sshd binary needed): the first value of each keyword wins, Include files are read where
/// the Include line stands, Match blocks are recorded but not applied. Unset keywords take OpenSSH's defaults.
///
/// Reusable by anything that needs sshd's view: image scans, live audits, diagnostics.
public struct SSHDEffectiveConfig: Sendable, Hashable {
    /// One directive, where it was read.
    public struct Setting: Sendable, Hashable {
        /// Lowercased canonical keyword.
        public let keyword: String
        /// The keyword as written (`ChallengeResponseAuthentication` for the kbd-interactive alias).
        public let spelling: String
        public let arguments: [String]
        public let path: String
        /// 1-based line in `path`.
        public let line: Int

        public var value: String { arguments.joined(separator: " ") }
    }

    /// A `Match` block: its criteria and the directives it sets (which apply only to matching connections).
    public struct MatchBlock: Sendable, Hashable {
        public let criteria: String
        public let path: String
        public let line: Int
        public internal(set) var settings: [Setting]
    }

    /// Something that made the evaluation incomplete: a missing or unreadable file, an Include matching nothing.
    public struct Problem: Sendable, Hashable {
        public let path: String
        public let line: Int?
        public let message: String
    }

    public let mainPath: String
    /// False when the main file could not be read (then every value is a default).
    public let mainFileFound: Bool
    /// Files read, in reading order (the main file first, Include files where they were included).
    public let files: [String]
    /// The first global directive of each keyword.
    public let explicitSettings: [String: Setting]
    /// Every global directive in reading order, later (ignored) repetitions included.
    public let occurrences: [Setting]
    public let matchBlocks: [MatchBlock]
    public let problems: [Problem]

    public init(
        mainPath: String, mainFileFound: Bool, files: [String], explicitSettings: [String: Setting],
        occurrences: [Setting], matchBlocks: [MatchBlock], problems: [Problem]
    ) {
        self.mainPath = mainPath
        self.mainFileFound = mainFileFound
        self.files = files
        self.explicitSettings = explicitSettings
        self.occurrences = occurrences
        self.matchBlocks = matchBlocks
        self.problems = problems
    }

    /// OpenSSH's compiled-in defaults (sshd_config(5)) for the keywords the rules read.
    public static let defaults: [String: String] = [
        "passwordauthentication": "yes",
        "kbdinteractiveauthentication": "yes",
        "permitrootlogin": "prohibit-password",
        "permitemptypasswords": "no",
        "pubkeyauthentication": "yes",
        "authorizedkeysfile": ".ssh/authorized_keys .ssh/authorized_keys2",
        "authorizedkeyscommand": "none",
        "maxauthtries": "6",
        "usepam": "no",
        "x11forwarding": "no",
        "permituserenvironment": "no",
        "hostbasedauthentication": "no",
        "ignorerhosts": "yes",
        "gssapiauthentication": "no",
        "logingracetime": "120",
        "maxsessions": "10",
        "port": "22",
        "authenticationmethods": "any",
        "strictmodes": "yes",
    ]

    /// Deprecated spellings sshd still accepts for another keyword.
    public static let aliases: [String: String] = [
        "challengeresponseauthentication": "kbdinteractiveauthentication",
        "dsaauthentication": "pubkeyauthentication",
    ]

    /// Lowercased, with aliases mapped to the keyword they stand for.
    public static func canonicalKeyword(_ spelling: String) -> String {
        let lowered = spelling.lowercased()
        return aliases[lowered] ?? lowered
    }

    /// The first global directive for `keyword` (any spelling or alias), if any.
    public func setting(_ keyword: String) -> Setting? {
        explicitSettings[Self.canonicalKeyword(keyword)]
    }

    /// The effective value: the first global directive, else the default; nil for keywords without a known default.
    public func value(_ keyword: String) -> String? {
        let canonical = Self.canonicalKeyword(keyword)
        if let setting = explicitSettings[canonical], !setting.arguments.isEmpty { return setting.value }
        return Self.defaults[canonical]
    }

    /// True when the effective value is `yes`.
    public func isEnabled(_ keyword: String) -> Bool {
        value(keyword)?.lowercased() == "yes"
    }

    public var passwordAuthentication: Bool { isEnabled("PasswordAuthentication") }
    public var keyboardInteractiveAuthentication: Bool { isEnabled("KbdInteractiveAuthentication") }
    public var permitEmptyPasswords: Bool { isEnabled("PermitEmptyPasswords") }
    public var pubkeyAuthentication: Bool { isEnabled("PubkeyAuthentication") }
    public var usePAM: Bool { isEnabled("UsePAM") }

    /// `yes`, `prohibit-password` (also for `without-password`), `forced-commands-only` or `no`.
    public var permitRootLogin: String {
        let value = (self.value("PermitRootLogin") ?? "prohibit-password").lowercased()
        return value == "without-password" ? "prohibit-password" : value
    }

    public var maxAuthTries: Int? { value("MaxAuthTries").flatMap { Int($0) } }

    /// The AuthorizedKeysFile patterns (relative ones are relative to the home directory).
    public var authorizedKeysFiles: [String] {
        if let setting = setting("AuthorizedKeysFile"), !setting.arguments.isEmpty { return setting.arguments }
        return [".ssh/authorized_keys", ".ssh/authorized_keys2"]
    }

    /// True when a typed password can log in: PasswordAuthentication, or keyboard-interactive through PAM.
    public var acceptsPasswords: Bool {
        passwordAuthentication || (keyboardInteractiveAuthentication && usePAM)
    }
}
