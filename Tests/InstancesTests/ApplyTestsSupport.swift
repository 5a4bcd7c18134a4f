import Foundation
import Instances
import SSHKeys
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the test environment, with a message that says what to fix.
struct ApplyTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What a guest path holds, to compare before and after.
enum EntrySnapshot: Equatable, CustomStringConvertible {
    case absent
    case file(contents: [UInt8], mode: UInt32, uid: UInt32, gid: UInt32)
    case directory(mode: UInt32, uid: UInt32, gid: UInt32, names: [String])
    case symlink(target: String)

    var description: String {
        switch self {
        case .absent: "absent"
        case .file(let contents, let mode, let uid, let gid): "file(\(contents.count) bytes, \(String(mode, radix: 8)), \(uid):\(gid))"
        case .directory(let mode, let uid, let gid, let names): "directory(\(String(mode, radix: 8)), \(uid):\(gid), \(names))"
        case .symlink(let target): "symlink(\(target))"
        }
    }
}

/// A small guest root in a temporary directory: passwd/group/shadow with root, a service account whose home
/// is outside /home (/srv/svc) and a regular user, a Debian-like sshd configuration, /etc/hostname and
/// /etc/machine-id.
struct GuestFixture {
    static let aliceHash = PasswordHash.sha512Crypt("Alice-pw1", salt: "alicesalt")
    static let serviceHash = PasswordHash.sha512Crypt("Service-pw2", salt: "svcsalt")
    static let debianLikeSSHDConfig = """
        # sshd_config as Debian ships it (shortened): the Include comes first.

        Include /etc/ssh/sshd_config.d/*.conf

        KbdInteractiveAuthentication no
        UsePAM yes
        X11Forwarding yes
        PrintMotd no
        AcceptEnv LANG LC_*
        Subsystem sftp /usr/lib/openssh/sftp-server

        """

    let root: URL
    var path: String { root.path }

    init() throws {
        guard geteuid() == 0 else {
            throw ApplyTestFailure("these tests create guest files owned by root, uid 998 and uid 1000: run them as root")
        }
        root = FileManager.default.temporaryDirectory.appendingPathComponent("keyward-guest-" + UUID().uuidString)
        try directory("/", mode: 0o755)
        try directory("/etc", mode: 0o755)
        try directory("/etc/ssh", mode: 0o755)
        try directory("/etc/ssh/sshd_config.d", mode: 0o755)
        try directory("/root", mode: 0o700)
        try directory("/home", mode: 0o755)
        try directory("/home/alice", mode: 0o755, uid: 1000, gid: 1000)
        try directory("/srv", mode: 0o755)
        try directory("/srv/svc", mode: 0o750, uid: 998, gid: 998)
        try write("/etc/passwd", """
            root:x:0:0:root:/root:/bin/bash
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            sshd:x:105:65534::/run/sshd:/usr/sbin/nologin
            svc:x:998:998:Service:/srv/svc:/bin/sh
            alice:x:1000:1000:Alice:/home/alice:/bin/bash
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin

            """)
        try write("/etc/group", """
            root:x:0:
            daemon:x:1:
            shadow:x:42:
            svc:x:998:
            alice:x:1000:
            nogroup:x:65534:

            """)
        try write("/etc/shadow", """
            root:*:0:0:99999:7:::
            daemon:*:19000:0:99999:7:::
            sshd:!:19000::::::
            svc:\(Self.serviceHash):19000:0:99999:7:::
            alice:\(Self.aliceHash):19000:0:99999:7:::
            nobody:*:19000:0:99999:7:::

            """, mode: 0o640, gid: 42)
        try write("/etc/hostname", "localhost\n")
        try write("/etc/machine-id", "0123456789abcdef0123456789abcdef\n", mode: 0o444)
        try installSSHDConfig()
    }

    /// The host's sshd_config when it is Debian's shape (its first setting is the Include of sshd_config.d),
    /// with the host's drop-ins that sort after Keyward's (they cannot change which value comes first);
    /// otherwise a Debian-like file.
    private func installSSHDConfig() throws {
        let hostConfig = "/etc/ssh/sshd_config"
        if let text = try? String(contentsOfFile: hostConfig, encoding: .utf8),
           let firstSetting = text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { !$0.isEmpty && !$0.hasPrefix("#") }),
           firstSetting == "Include /etc/ssh/sshd_config.d/*.conf" {
            try write("/etc/ssh/sshd_config", text)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/etc/ssh/sshd_config.d")) ?? []
            for name in names where name.hasSuffix(".conf") && Array(name.utf8).lexicographicallyPrecedes(Array("00-keyward.conf".utf8)) == false {
                if let dropIn = try? String(contentsOfFile: "/etc/ssh/sshd_config.d/" + name, encoding: .utf8) {
                    try write("/etc/ssh/sshd_config.d/" + name, dropIn)
                }
            }
        } else {
            try write("/etc/ssh/sshd_config", Self.debianLikeSSHDConfig)
        }
    }

    func hostPath(_ guestPath: String) -> String {
        guestPath == "/" ? root.path : root.path + guestPath
    }

    func directory(_ guestPath: String, mode: mode_t = 0o755, uid: uid_t = 0, gid: gid_t = 0) throws {
        let host = hostPath(guestPath)
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        guard chown(host, uid, gid) == 0, chmod(host, mode) == 0 else { throw ApplyTestFailure("cannot set owner or mode of \(host)") }
    }

    func write(_ guestPath: String, _ text: String, mode: mode_t = 0o644, uid: uid_t = 0, gid: gid_t = 0) throws {
        let host = hostPath(guestPath)
        try Data(text.utf8).write(to: URL(fileURLWithPath: host))
        guard chown(host, uid, gid) == 0, chmod(host, mode) == 0 else { throw ApplyTestFailure("cannot set owner or mode of \(host)") }
    }

    func link(_ guestPath: String, to target: String) throws {
        guard symlink(target, hostPath(guestPath)) == 0 else { throw ApplyTestFailure("cannot link \(guestPath) to \(target)") }
    }

    func read(_ guestPath: String) throws -> String {
        try String(contentsOfFile: hostPath(guestPath), encoding: .utf8)
    }

    func exists(_ guestPath: String) -> Bool {
        snapshot(guestPath) != .absent
    }

    func snapshot(_ guestPath: String) -> EntrySnapshot {
        let host = hostPath(guestPath)
        var info = stat()
        guard lstat(host, &info) == 0 else { return .absent }
        let mode = UInt32(info.st_mode) & 0o7777
        switch UInt32(info.st_mode) & 0o170000 {
        case 0o040000:
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: host)) ?? []).sorted()
            return .directory(mode: mode, uid: UInt32(info.st_uid), gid: UInt32(info.st_gid), names: names)
        case 0o120000:
            return .symlink(target: (try? FileManager.default.destinationOfSymbolicLink(atPath: host)) ?? "")
        default:
            let contents = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: host))) ?? Data())
            return .file(contents: contents, mode: mode, uid: UInt32(info.st_uid), gid: UInt32(info.st_gid))
        }
    }

    /// Mode (permission bits), uid and gid of a file or directory; nil for anything else.
    func attributes(_ guestPath: String) -> Attributes? {
        switch snapshot(guestPath) {
        case .file(_, let mode, let uid, let gid), .directory(let mode, let uid, let gid, _):
            return Attributes(mode: mode, uid: uid, gid: gid)
        default:
            return nil
        }
    }

    /// The fields of `user`'s /etc/shadow line.
    func shadowFields(of user: String) throws -> [String] {
        let line = try read("/etc/shadow").split(separator: "\n").first { $0.hasPrefix(user + ":") }
        guard let line else { throw ApplyTestFailure("\(user) has no shadow line") }
        return line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    func applier(_ validator: any SSHDConfigValidator = AcceptingValidator()) -> CredentialApplier {
        CredentialApplier(guestRoot: path, validator: validator)
    }
}

/// Permission bits and owner.
struct Attributes: Equatable, CustomStringConvertible {
    let mode: UInt32
    let uid: UInt32
    let gid: UInt32

    var description: String { "\(String(mode, radix: 8)) \(uid):\(gid)" }
}

/// Today in shadow's unit, days since 1970-01-01.
var shadowToday: String { String(Int(Date().timeIntervalSince1970 / 86400)) }

/// Accepts every configuration.
struct AcceptingValidator: SSHDConfigValidator {
    func validate(guestRoot: String) throws(ApplyError) {}
}

/// Runs a check of the guest at validation time, then refuses or accepts.
struct ProbingValidator: SSHDConfigValidator {
    let probe: @Sendable (String) -> Void
    let refusal: ApplyError?

    func validate(guestRoot: String) throws(ApplyError) {
        probe(guestRoot)
        if let refusal { throw refusal }
    }
}

/// Two real Ed25519 public keys (their private halves were thrown away).
enum TestKeys {
    static let a = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDPexih2Dt5N8jAjJOif9mJ3YERdY3g1MPNIZe3B6ZqQ user-a@example"
    static let b = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFjDb7g23MdZiMYwzUpcshNUXVD31C2JQ5vEJDyhGt54 user-b@example"
}
