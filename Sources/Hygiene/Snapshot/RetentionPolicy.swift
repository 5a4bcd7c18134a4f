/// Which files the rules read, so that a single pass over an archive stream can keep exactly those, and the
/// bounds on every read. Directory and archive sources apply the same policy, so they yield the same findings.
public struct RetentionPolicy: Sendable, Hashable {
    /// Content rules look at no more than this much of a file (1 MiB); larger files get a note.
    public var maximumFileBytes = 1 << 20
    /// How much of every other regular file is sniffed for private key armour and cloud-init user data.
    public var sniffBytes = 4096
    /// An archive pass keeps at most this much content in memory in total.
    public var maximumRetainedBytes = 256 << 20
    /// Files under /etc up to this size are kept from archive streams as well (see ``retainsAsLinkTarget(_:size:)``).
    public var maximumLinkTargetBytes = 256 << 10

    public init() {}

    /// Files read by path: account databases and their backups, sshd and PAM configuration, cloud-init,
    /// temporary directories, machine-id, tcp_wrappers, history files, authorized_keys and `.ssh` contents.
    public func retainsByPath(_ path: String) -> Bool {
        if Self.exactPaths.contains(path) { return true }
        if Self.directories.contains(where: { ImagePath.isInside(path, $0) && path != $0 }) { return true }
        let name = ImagePath.name(of: path)
        if name == "authorized_keys" || name == "authorized_keys2" { return true }
        if ImagePath.components(path).dropLast().contains(".ssh") { return true }
        if HistoryCatalog.tool(forPath: path) != nil { return true }
        return isKeyCandidateByName(path)
    }

    /// Small files under /etc, kept from archive streams so that a file the rules read through a link (an
    /// sshd_config or shadow that links to a file of another name) can still be read after the pass.
    public func retainsAsLinkTarget(_ path: String, size: Int64) -> Bool {
        ImagePath.isInside(path, "/etc") && size <= Int64(maximumLinkTargetBytes)
    }

    /// Names private keys usually have: `id_*` (not `.pub`), `*.pem`, `*.key`, `*.ppk`, `*.p8`, `identity`.
    public func isKeyCandidateByName(_ path: String) -> Bool {
        let name = ImagePath.name(of: path)
        if name.hasSuffix(".pub") { return false }
        if name.hasPrefix("id_") || name == "identity" { return true }
        return [".pem", ".key", ".ppk", ".p8"].contains { name.hasSuffix($0) }
    }

    /// True when `bytes` carry private key armour: `PRIVATE KEY` (PEM, OpenSSH, PKCS#8, SSH.com, OpenPGP)
    /// or a PuTTY key file header.
    public static func containsPrivateKeyMarker(_ bytes: [UInt8]) -> Bool {
        contains(bytes, privateKeyMarker) || contains(bytes, puttyMarker)
    }

    static let exactPaths: Set<String> = {
        var paths: Set<String> = [
            "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/login.defs",
            "/etc/machine-id", "/var/lib/dbus/machine-id", "/etc/hosts.allow", "/etc/hosts.deny",
            "/etc/nologin", "/etc/security/access.conf",
        ]
        paths.formUnion(AccountBackups.candidatePaths)
        return paths
    }()

    static let directories = ["/etc/ssh", "/etc/pam.d", "/etc/cloud", "/var/lib/cloud", "/tmp", "/var/tmp", "/etc/security"]

    private static let privateKeyMarker = Array("PRIVATE KEY".utf8)
    private static let puttyMarker = Array("PuTTY-User-Key-File-".utf8)

    private static func contains(_ bytes: [UInt8], _ marker: [UInt8]) -> Bool {
        guard let first = marker.first, bytes.count >= marker.count else { return false }
        var index = 0
        let last = bytes.count - marker.count
        while index <= last {
            if bytes[index] == first {
                var offset = 1
                while offset < marker.count && bytes[index + offset] == marker[offset] { offset += 1 }
                if offset == marker.count { return true }
            }
            index += 1
        }
        return false
    }
}
