import Foundation

/// Unprivileged sandboxes: without root, `keyward serve` re-runs itself as root of a user namespace that maps
/// the caller's subordinate id range (as rootless container tools do), where sandboxes work fully but only on
/// loopback ports, since namespaces cannot be wired to a host bridge.
enum UserNamespace {
    static let marker = "KEYWARD_USER_NAMESPACE"

    static var isInside: Bool { ProcessInfo.processInfo.environment[marker] == "1" }

    /// Why unprivileged sandboxes cannot run here, or nil when they can.
    static func unavailability() -> String? {
        for tool in ["unshare", "newuidmap", "newgidmap", "bwrap", "sshd", "setpriv"] where locate(tool) == nil {
            return "\(tool) is not installed (apt-get install uidmap bubblewrap openssh-server util-linux)"
        }
        guard range(in: "/etc/subuid", id: getuid()) != nil, range(in: "/etc/subgid", id: getgid()) != nil else {
            return "no subordinate id range for this user in /etc/subuid and /etc/subgid (usermod --add-subuids/--add-subgids)"
        }
        return nil
    }

    /// Replaces this process with itself inside the user namespace; returns only on failure.
    static func reexec(arguments: [String]) -> String {
        guard let users = range(in: "/etc/subuid", id: getuid()), let groups = range(in: "/etc/subgid", id: getgid()),
              let unshare = locate("unshare"), let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        else { return unavailability() ?? "cannot re-run in a user namespace" }
        let argv = [
            unshare, "--map-root-user", "--map-users=\(users.start),1,\(min(users.count, 65535))",
            "--map-groups=\(groups.start),1,\(min(groups.count, 65535))", "--setgroups", "allow", executable,
        ] + arguments
        setenv(marker, "1", 1)
        var cArguments = argv.map { strdup($0) } + [nil]
        execv(unshare, &cArguments)
        return "exec \(unshare) failed: \(String(cString: strerror(errno)))"
    }

    /// The subordinate range of the user (by name or id) in `/etc/subuid`-style `file`.
    static func range(in file: String, id: UInt32) -> (start: Int, count: Int)? {
        let name = file.hasSuffix("subgid") ? getgrgid(id).flatMap { String(cString: $0.pointee.gr_name) } : getpwuid(id).flatMap { String(cString: $0.pointee.pw_name) }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":")
            guard fields.count == 3, fields[0] == (name ?? "") || fields[0] == String(id), let start = Int(fields[1]), let count = Int(fields[2]), count > 0
            else { continue }
            return (start, count)
        }
        return nil
    }

    private static func locate(_ name: String) -> String? {
        ["/usr/bin", "/usr/sbin", "/bin", "/sbin"].map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
