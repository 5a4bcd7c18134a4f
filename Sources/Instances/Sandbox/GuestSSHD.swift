import Foundation

/// The sshd a guest would run, asked about its configuration: `sshd -t` and `sshd -T` seeing the guest's own
/// /etc. For the host's own root that is the host's sshd; for any other root, a throwaway bubblewrap sandbox
/// binds the guest's /etc so that Include paths and host keys resolve inside the guest.
public struct GuestSSHD: Sendable {
    public let guestRoot: String
    let disks: OverlayDisks?

    public init(guestRoot: String) {
        self.init(guestRoot: guestRoot, disks: nil)
    }

    /// With `disks`, the sandbox runs in a mount namespace without the host's instance disks and network namespaces.
    init(guestRoot: String, disks: OverlayDisks?) {
        self.guestRoot = guestRoot
        self.disks = disks
    }

    /// The host's /usr read-only, with the usual top-level links into it.
    static let systemBinds: [String] = {
        var binds = ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin", "--symlink", "usr/lib", "/lib"]
        if FileManager.default.fileExists(atPath: "/usr/lib64") { binds += ["--symlink", "usr/lib64", "/lib64"] }
        return binds
    }()

    private var isHostRoot: Bool { URL(fileURLWithPath: guestRoot).standardizedFileURL.path == "/" }

    private func command(_ sshdArguments: [String]) -> Command {
        if isHostRoot { return Command("/usr/sbin/sshd", sshdArguments) }
        let bwrap = Command.locate("bwrap") ?? "/usr/bin/bwrap"
        let prefix = disks.map { $0.narrowingPrefix(binding: guestRoot + "/etc") } ?? []
        let arguments = [bwrap, "--unshare-all", "--die-with-parent"] + Self.systemBinds + [
            "--ro-bind", disks == nil ? guestRoot + "/etc" : OverlayDisks.guestMount, "/etc", "--proc", "/proc", "--dev", "/dev",
            "--tmpfs", "/run", "--perms", "0755", "--dir", "/run/sshd",
            "/usr/sbin/sshd",
        ] + sshdArguments
        let argv = prefix + arguments
        return Command(argv[0], Array(argv.dropFirst()))
    }

    /// `sshd -t`: nil when the configuration is valid, else what sshd said.
    public func test() throws -> String? {
        let result = try command(["-t"]).runBlocking()
        return result.succeeded ? nil : (result.errorOutput + result.output).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `sshd -T` for a connection as `user`: each keyword (lowercased) with its values, in sshd's order.
    public func effectiveConfiguration(user: String = "root", address: String = "127.0.0.1") throws -> [String: [String]] {
        let result = try command(["-T", "-C", "user=\(user),host=client,addr=\(address)"]).runBlocking()
        guard result.succeeded else { throw DriverError.commandFailed("sshd -T", result.errorOutput) }
        var settings: [String: [String]] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            settings[String(keyword), default: []].append(parts.count > 1 ? String(parts[1]) : "")
        }
        return settings
    }
}
