import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The guest's SSH host keys (`/etc/ssh/ssh_host_*_key`): without one, sshd exits with "no hostkeys available".
public enum HostKeys {
    /// Generates an Ed25519 host key (`ssh-keygen -q -t ed25519 -N '' -C comment`, mode 0600) in the guest's
    /// `/etc/ssh` if it has no host key at all. Returns true if a key was generated. Ed25519 only: it takes
    /// milliseconds, where RSA keys take seconds when many instances boot at once.
    public static func ensure(guestRoot: String, comment: String) throws(ApplyError) -> Bool {
        guard !comment.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw .invalidDesiredState(field: "comment", reason: "must be one line")
        }
        let root = try GuestRoot(guestRoot)
        guard try present(root: root).isEmpty else { return false }
        let directory = try root.locate("/etc/ssh", followFinal: true)
        let key = directory.child("ssh_host_ed25519_key")
        let publicKey = directory.child("ssh_host_ed25519_key.pub")
        if try FileOps.state(of: publicKey) != .absent { try FileOps.delete(publicKey) }
        guard let sshKeygen = Command.locate("ssh-keygen") else {
            throw .toolMissing(tool: "ssh-keygen", hint: "install openssh-client (Debian: apt-get install openssh-client)")
        }
        let result: Command.Result
        do {
            result = try Command(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key.hostPath]).runBlocking()
        } catch {
            throw .io(path: sshKeygen, reason: "cannot run: \(error)")
        }
        guard result.succeeded else { throw .toolFailed(tool: "ssh-keygen", output: SSHDCommand.message(result)) }
        guard chmod(key.hostPath, 0o600) == 0 else { throw FileOps.failure(key.guestPath, "cannot set its mode") }
        return true
    }

    /// Guest paths of the private host keys in the guest's `/etc/ssh`.
    public static func present(guestRoot: String) throws(ApplyError) -> [String] {
        try present(root: GuestRoot(guestRoot))
    }

    static func present(root: GuestRoot) throws(ApplyError) -> [String] {
        let directory = try root.locate("/etc/ssh", followFinal: true)
        guard case .directory = try FileOps.state(of: directory) else {
            throw .io(path: directory.guestPath, reason: "the guest has no /etc/ssh directory")
        }
        return FileOps.list(directory.hostPath)
            .filter { $0.hasPrefix("ssh_host_") && $0.hasSuffix("_key") }
            .sorted()
            .map { directory.child($0).guestPath }
    }
}
