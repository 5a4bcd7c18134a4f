/// The logon credentials a guest should have, as files in it will say after an apply.
public struct DesiredCredentials: Sendable, Codable, Hashable {
    /// The account the credentials belong to, looked up in the guest's `/etc/passwd`.
    public var loginUser: String
    /// The lines of the user's `~/.ssh/authorized_keys`; empty removes the file.
    public var authorizedKeys: [String]
    /// The crypt hash for the user's `/etc/shadow` entry; nil locks the password (`*`).
    public var passwordHash: String?
    /// Whether sshd accepts passwords at all; false when a key pair is bound.
    public var passwordAuthentication: Bool
    /// The content of `/etc/hostname`; nil leaves it as it is.
    public var hostname: String?

    public init(loginUser: String = "root", authorizedKeys: [String], passwordHash: String?, passwordAuthentication: Bool, hostname: String?) {
        self.loginUser = loginUser
        self.authorizedKeys = authorizedKeys
        self.passwordHash = passwordHash
        self.passwordAuthentication = passwordAuthentication
        self.hostname = hostname
    }

    /// Refuses values that would break the files they go into (line breaks, `:` in a shadow field, `/` in a name).
    func check() throws(ApplyError) {
        guard !loginUser.isEmpty, !loginUser.contains(where: { $0 == ":" || $0 == "/" || $0.isNewline || $0 == "\0" }) else {
            throw .invalidDesiredState(field: "loginUser", reason: "must be a non-empty account name without ':', '/' or line breaks")
        }
        for (index, key) in authorizedKeys.enumerated() {
            guard !key.allSatisfy(\.isWhitespace), !key.contains(where: { $0.isNewline || $0 == "\0" }) else {
                throw .invalidDesiredState(field: "authorizedKeys[\(index)]", reason: "must be one non-empty line")
            }
        }
        if let passwordHash {
            guard !passwordHash.isEmpty, !passwordHash.contains(where: { $0 == ":" || $0.isNewline || $0.isWhitespace || $0 == "\0" }) else {
                throw .invalidDesiredState(field: "passwordHash", reason: "must be a crypt hash without ':', spaces or line breaks")
            }
        }
        if let hostname {
            guard !hostname.isEmpty, hostname.utf8.count <= 253,
                  !hostname.contains(where: { $0 == "/" || $0.isWhitespace || $0.isNewline || $0 == "\0" }) else {
                throw .invalidDesiredState(field: "hostname", reason: "must be 1 to 253 characters without '/', spaces or line breaks")
            }
        }
    }
}
