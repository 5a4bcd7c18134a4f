import SSHKeys

/// One step of the "I can't log in with my SSH key" checklist and its outcome.
public struct DiagnosisStep: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable {
        case passed
        case failed
        /// Not checkable with what was given (e.g. no instance root).
        case skipped
    }

    /// Stable id, e.g. `key-authorized`.
    public let id: String
    public let title: String
    public let status: Status
    /// What was found (never a secret).
    public let detail: String
    /// How to fix it, for a failed step.
    public let fix: String?

    public init(id: String, title: String, status: Status, detail: String, fix: String? = nil) {
        self.id = id
        self.title = title
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}

/// Where to log in, with what, and optionally the target's root filesystem and network namespace.
public struct LoginTarget: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var user: String
    /// The private key to log in with; empty when only `publicKey` is known (the console's check of a bound key pair),
    /// and the real login is then skipped.
    public var privateKeyPath: String
    /// The key to look for when no private key is given.
    public var publicKey: PublicKey?
    /// The target system's root (`/`, or a sandbox instance's root directory) for the checks that read its files.
    public var root: String?
    /// The network namespace the target's sshd runs in (`kw-<instance-id>` for sandboxes), for firewall checks.
    public var networkNamespace: String?

    public init(host: String, port: Int, user: String, privateKeyPath: String, root: String?, networkNamespace: String?) {
        self.host = host
        self.port = port
        self.user = user
        self.privateKeyPath = privateKeyPath
        self.root = root
        self.networkNamespace = networkNamespace
    }

    /// A check of a public key only: every step but the real login.
    public init(host: String, port: Int, user: String, publicKey: PublicKey, root: String?, networkNamespace: String?) {
        self.init(host: host, port: port, user: user, privateKeyPath: "", root: root, networkNamespace: networkNamespace)
        self.publicKey = publicKey
    }
}
