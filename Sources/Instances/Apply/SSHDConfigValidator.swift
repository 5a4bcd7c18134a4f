import Foundation

/// Checks the sshd configuration a guest would load, before an apply is kept.
public protocol SSHDConfigValidator: Sendable {
    /// Returns if sshd accepts the configuration the guest at `guestRoot` would load; otherwise throws
    /// ``ApplyError/sshdConfigInvalid(output:)`` with what sshd printed (or another ``ApplyError`` when it cannot check).
    func validate(guestRoot: String) throws(ApplyError)
}

/// The host's sshd, for the guest agent on a real machine: `sshd -t` with the host's own `/etc`.
public struct HostSSHDValidator: SSHDConfigValidator {
    public let sshd: SSHDCommand

    public init(sshd: SSHDCommand = SSHDCommand()) {
        self.sshd = sshd
    }

    /// `guestRoot` must be `/`: this validator sees only the host's files.
    public func validate(guestRoot: String) throws(ApplyError) {
        guard try GuestRoot(guestRoot).isHostRoot else {
            throw .invalidGuestRoot(path: guestRoot, reason: "the host's sshd validates only the host's own configuration (guest root /)")
        }
        try sshd.test(["-f", SSHDManagedConfig.mainConfig])
    }
}

/// Runs an sshd binary in its test modes.
public struct SSHDCommand: Sendable {
    public let executable: String

    public init(executable: String = "/usr/sbin/sshd") {
        self.executable = executable
    }

    /// `sshd -t <arguments>`. Throws ``ApplyError/toolMissing(tool:hint:)`` when sshd is not installed and
    /// ``ApplyError/sshdConfigInvalid(output:)`` when it refuses the configuration.
    public func test(_ arguments: [String]) throws(ApplyError) {
        let result = try run(["-t"] + arguments)
        guard result.succeeded else { throw .sshdConfigInvalid(output: Self.message(result)) }
    }

    /// `sshd -T <arguments>`: the effective configuration, one lowercased `keyword value` line each.
    public func effectiveConfiguration(_ arguments: [String]) throws(ApplyError) -> String {
        let result = try run(["-T"] + arguments)
        guard result.succeeded else { throw .sshdConfigInvalid(output: Self.message(result)) }
        return result.output
    }

    private func run(_ arguments: [String]) throws(ApplyError) -> Command.Result {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw .toolMissing(tool: executable, hint: "install openssh-server (Debian: apt-get install openssh-server)")
        }
        do {
            return try Command(executable, arguments).runBlocking()
        } catch {
            throw .io(path: executable, reason: "cannot run: \(error)")
        }
    }

    static func message(_ result: Command.Result) -> String {
        (result.errorOutput + result.output).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
