/// The accounts of a guest, read from its own `/etc/passwd`, `/etc/group` and `/etc/shadow`.
///
/// Password hashes are kept only to answer ``passwordHash(of:)``; ``description`` never shows them.
public struct GuestAccounts: Sendable, CustomStringConvertible {
    /// One `/etc/passwd` entry.
    public struct Account: Sendable, Hashable, Codable {
        public let name: String
        public let uid: UInt32
        public let gid: UInt32
        /// The home directory as the guest sees it.
        public let home: String
        public let shell: String

        public init(name: String, uid: UInt32, gid: UInt32, home: String, shell: String) {
            self.name = name
            self.uid = uid
            self.gid = gid
            self.home = home
            self.shell = shell
        }
    }

    /// Accounts in `/etc/passwd` order; malformed and NIS (`+`/`-`) lines are skipped.
    public let accounts: [Account]
    private let groupIDs: [String: UInt32]
    private let shadowPasswords: [String: String]

    /// Parses the three files' texts (any of them may be empty).
    public init(passwd: String, group: String, shadow: String) {
        var accounts: [Account] = []
        for fields in Self.records(passwd) where fields.count >= 7 {
            guard let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { continue }
            accounts.append(Account(name: fields[0], uid: uid, gid: gid, home: fields[5], shell: fields[6]))
        }
        var groupIDs: [String: UInt32] = [:]
        for fields in Self.records(group) where fields.count >= 3 {
            if let gid = UInt32(fields[2]), groupIDs[fields[0]] == nil { groupIDs[fields[0]] = gid }
        }
        var shadowPasswords: [String: String] = [:]
        for fields in Self.records(shadow) where fields.count >= 2 {
            if shadowPasswords[fields[0]] == nil { shadowPasswords[fields[0]] = fields[1] }
        }
        self.accounts = accounts
        self.groupIDs = groupIDs
        self.shadowPasswords = shadowPasswords
    }

    /// Reads the guest's files. A missing `/etc/group` or `/etc/shadow` reads as empty; a missing `/etc/passwd` is an error.
    public init(guestRoot: String) throws(ApplyError) {
        try self.init(root: GuestRoot(guestRoot))
    }

    init(root: GuestRoot) throws(ApplyError) {
        func text(_ guestPath: String, required: Bool) throws(ApplyError) -> String {
            switch try FileOps.state(of: root.locate(guestPath, followFinal: true)) {
            case .file(let contents, _):
                return String(decoding: contents, as: UTF8.self)
            case .absent where !required:
                return ""
            default:
                throw ApplyError.io(path: guestPath, reason: "missing or not a regular file")
            }
        }
        self.init(passwd: try text("/etc/passwd", required: true), group: try text("/etc/group", required: false), shadow: try text("/etc/shadow", required: false))
    }

    public func account(named name: String) -> Account? {
        accounts.first { $0.name == name }
    }

    public func groupID(named name: String) -> UInt32? {
        groupIDs[name]
    }

    /// The user's password hash if it can be logged in with: present, not empty, not locked (`!…`, `*`),
    /// and a crypt hash (`$id$…`, or 13 characters of traditional DES). nil otherwise. For PasswordInherit:
    /// is there a preset password to keep?
    public func passwordHash(of user: String) -> String? {
        guard let field = shadowPasswords[user], Self.isUsableHash(field) else { return nil }
        return field
    }

    static func isUsableHash(_ field: String) -> Bool {
        if field.hasPrefix("$") { return field.split(separator: "$").count >= 2 }
        return field.utf8.count == 13 && field.utf8.allSatisfy { PasswordAlphabet.contains($0) }
    }

    public var description: String {
        "GuestAccounts(" + accounts.map { "\($0.name):\($0.uid):\($0.gid):\($0.home)" }.joined(separator: ", ") + ")"
    }

    private static func records(_ text: String) -> [[String]] {
        // "\r\n" is a single Character in Swift, hence both separators.
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).compactMap { line -> [String]? in
            guard let first = line.first, first != "#", first != "+", first != "-" else { return nil }
            return line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
    }
}

/// The characters of crypt hashes and salts.
enum PasswordAlphabet {
    static func contains(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            true
        default:
            false
        }
    }
}
