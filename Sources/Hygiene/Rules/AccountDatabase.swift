/// A line of /etc/passwd.
public struct PasswdEntry: Sendable, Hashable {
    public let name: String
    public let passwordField: String
    public let uid: Int?
    public let gid: Int?
    public let gecos: String
    public let home: String
    public let shell: String
    public let line: Int
}

/// A line of /etc/shadow (or /etc/gshadow: name and password field).
public struct ShadowEntry: Sendable, Hashable {
    public let name: String
    public let passwordField: String
    public let line: Int

    public var state: PasswordFieldState { PasswordFieldState(field: passwordField) }
}

/// A line of /etc/group.
public struct GroupEntry: Sendable, Hashable {
    public let name: String
    public let gid: Int?
    public let members: [String]
    public let line: Int
}

/// The image's accounts: /etc/passwd, /etc/shadow, /etc/group and the UID range of human users from
/// /etc/login.defs. Parsing is pure; ``load(from:notes:)`` reads the files through a snapshot.
public struct AccountDatabase: Sendable {
    public static let passwdPath = "/etc/passwd"
    public static let shadowPath = "/etc/shadow"
    public static let groupPath = "/etc/group"
    public static let loginDefsPath = "/etc/login.defs"
    public static let defaultHumanUIDs = 1000...60000

    public let passwd: [PasswdEntry]
    public let shadow: [ShadowEntry]
    public let groups: [GroupEntry]
    /// UID_MIN...UID_MAX: accounts made for people.
    public let humanUIDs: ClosedRange<Int>
    public let hasShadowFile: Bool
    /// Lines that could not be parsed, as (path, line).
    public let malformedLines: [(path: String, line: Int)]

    /// Parses the files' lines; nil for a file that is absent.
    public init(passwd: [String]?, shadow: [String]?, group: [String]?, loginDefs: [String]?) {
        var malformed: [(path: String, line: Int)] = []
        var users: [PasswdEntry] = []
        for (offset, line) in (passwd ?? []).enumerated() where Self.isRecord(line) {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 7 else {
                malformed.append((path: Self.passwdPath, line: offset + 1))
                continue
            }
            users.append(PasswdEntry(
                name: fields[0], passwordField: fields[1], uid: Int(fields[2]), gid: Int(fields[3]),
                gecos: fields[4], home: fields[5], shell: fields[6], line: offset + 1
            ))
        }
        var shadows: [ShadowEntry] = []
        for (offset, line) in (shadow ?? []).enumerated() where Self.isRecord(line) {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2 else {
                malformed.append((path: Self.shadowPath, line: offset + 1))
                continue
            }
            shadows.append(ShadowEntry(name: fields[0], passwordField: fields[1], line: offset + 1))
        }
        var groupEntries: [GroupEntry] = []
        for (offset, line) in (group ?? []).enumerated() where Self.isRecord(line) {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 4 else {
                malformed.append((path: Self.groupPath, line: offset + 1))
                continue
            }
            let members = fields[3].split(separator: ",").map(String.init).filter { !$0.isEmpty }
            groupEntries.append(GroupEntry(name: fields[0], gid: Int(fields[2]), members: members, line: offset + 1))
        }
        self.passwd = users
        self.shadow = shadows
        self.groups = groupEntries
        self.hasShadowFile = shadow != nil
        self.humanUIDs = Self.uidRange(loginDefs: loginDefs ?? [])
        self.malformedLines = malformed
    }

    /// Reads the account files of an image. A missing /etc/passwd is a note; the others may be absent.
    public static func load(from snapshot: ImageSnapshot, notes: inout [ScanNote]) -> AccountDatabase {
        let passwd = snapshot.lines(at: passwdPath, notes: &notes, noteMissing: true)
        let shadow = snapshot.lines(at: shadowPath, notes: &notes)
        let group = snapshot.lines(at: groupPath, notes: &notes)
        let loginDefs = snapshot.lines(at: loginDefsPath, notes: &notes)
        return AccountDatabase(passwd: passwd, shadow: shadow, group: group, loginDefs: loginDefs)
    }

    public func shadowEntry(named name: String) -> ShadowEntry? {
        shadow.first { $0.name == name }
    }

    /// The password field that decides logins for `user`, and where it is: the shadow entry when the passwd
    /// field is `x`, else the passwd field itself.
    public func passwordState(of user: PasswdEntry) -> (state: PasswordFieldState, path: String, line: Int) {
        if user.passwordField == "x" {
            guard let entry = shadowEntry(named: user.name) else { return (.disabled, Self.passwdPath, user.line) }
            return (entry.state, Self.shadowPath, entry.line)
        }
        return (PasswordFieldState(field: user.passwordField), Self.passwdPath, user.line)
    }

    /// Accounts with a UID in UID_MIN...UID_MAX.
    public var humanUsers: [PasswdEntry] {
        passwd.filter { user in user.uid.map { humanUIDs.contains($0) } ?? false }
    }

    /// Non-empty lines that are not comments or NIS `+`/`-` inclusions.
    private static func isRecord(_ line: String) -> Bool {
        guard let first = line.first else { return false }
        return first != "#" && first != "+" && first != "-"
    }

    static func uidRange(loginDefs: [String]) -> ClosedRange<Int> {
        var minimum = defaultHumanUIDs.lowerBound
        var maximum = defaultHumanUIDs.upperBound
        for line in loginDefs {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let value = Int(fields[1]) else { continue }
            if fields[0] == "UID_MIN" { minimum = value }
            if fields[0] == "UID_MAX" { maximum = value }
        }
        return minimum <= maximum ? minimum...maximum : defaultHumanUIDs
    }
}
