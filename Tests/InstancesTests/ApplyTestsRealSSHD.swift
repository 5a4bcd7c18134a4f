import Foundation
import Instances
import Testing

/// Checks a guest's sshd configuration with the host's real sshd, without a sandbox.
///
/// sshd resolves `Include` paths on the host, so the guest's main file is copied with its Include paths
/// rewritten into the guest root; the drop-ins are read where they are. `sshd -t` also insists on the
/// privilege separation directory /run/sshd, which this creates as Debian's ssh service does.
struct PrefixedSSHDValidator: SSHDConfigValidator {
    let scratch: URL
    let sshd = SSHDCommand()

    func validate(guestRoot: String) throws(ApplyError) {
        try sshd.test(arguments(guestRoot: guestRoot))
    }

    /// `sshd -T` for a root login from localhost: the settings sshd would really use.
    func effective(guestRoot: String) throws(ApplyError) -> [String: String] {
        let output = try sshd.effectiveConfiguration(arguments(guestRoot: guestRoot) + ["-C", "user=root,host=localhost,addr=127.0.0.1"])
        var settings: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2, settings[parts[0]] == nil { settings[parts[0]] = parts[1] }
        }
        return settings
    }

    private func arguments(guestRoot: String) throws(ApplyError) -> [String] {
        let main = guestRoot + "/etc/ssh/sshd_config"
        let config = scratch.appendingPathComponent("sshd_config")
        do {
            if !FileManager.default.fileExists(atPath: "/run/sshd") {
                try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            }
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let text = try String(contentsOfFile: main, encoding: .utf8)
            let rewritten = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.replacingOccurrences(of: "\"", with: "") }
                guard let keyword = words.first, keyword.lowercased() == "include" else { return String(line) }
                return "Include " + words.dropFirst().map { $0.hasPrefix("/") ? guestRoot + $0 : guestRoot + "/etc/ssh/" + $0 }.joined(separator: " ")
            }
            try Data(rewritten.joined(separator: "\n").utf8).write(to: config)
        } catch {
            throw .io(path: main, reason: "\(error)")
        }
        return ["-f", config.path, "-h", guestRoot + "/etc/ssh/ssh_host_ed25519_key"]
    }
}

@Suite struct RealSSHDTests {
    static func prepared() throws -> (GuestFixture, PrefixedSSHDValidator) {
        let guest = try GuestFixture()
        _ = try HostKeys.ensure(guestRoot: guest.path, comment: "root@test")
        return (guest, PrefixedSSHDValidator(scratch: guest.root.appendingPathComponent("scratch")))
    }

    @Test func sshdReallyRefusesPasswordsEvenWithEarlierDropInsSayingOtherwise() throws {
        let (guest, validator) = try Self.prepared()
        defer { guest.remove() }
        try guest.write("/etc/ssh/sshd_config.d/00-aaa.conf", "PasswordAuthentication yes\n")
        try guest.write("/etc/ssh/sshd_config.d/0-x.conf", "KbdInteractiveAuthentication yes\n")
        let before = try validator.effective(guestRoot: guest.path)
        #expect(before["passwordauthentication"] == "yes")
        #expect(before["kbdinteractiveauthentication"] == "yes")

        _ = try guest.applier(validator).apply(DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        let after = try validator.effective(guestRoot: guest.path)
        #expect(after["passwordauthentication"] == "no")
        #expect(after["kbdinteractiveauthentication"] == "no")
    }

    @Test func sshdAcceptsPasswordsButNotKeyboardInteractiveWhenAllowed() throws {
        let (guest, validator) = try Self.prepared()
        defer { guest.remove() }
        _ = try guest.applier(validator).apply(DesiredCredentials(authorizedKeys: [], passwordHash: nil, passwordAuthentication: true, hostname: nil))
        let settings = try validator.effective(guestRoot: guest.path)
        #expect(settings["passwordauthentication"] == "yes")
        #expect(settings["kbdinteractiveauthentication"] == "no")
    }

    @Test func aConfigurationSSHDRefusesIsRolledBack() throws {
        let (guest, validator) = try Self.prepared()
        defer { guest.remove() }
        try guest.write("/etc/ssh/sshd_config.d/10-broken.conf", "NoSuchOption yes\n")
        let paths = ["/etc/shadow", "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d", "/root"]
        let before = paths.map(guest.snapshot)
        let error = #expect(throws: ApplyError.self) {
            try guest.applier(validator).apply(DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        }
        guard case .sshdConfigInvalid(let output)? = error else {
            Issue.record("expected sshdConfigInvalid, got \(String(describing: error))")
            return
        }
        #expect(output.contains("NoSuchOption"))
        #expect(paths.map(guest.snapshot) == before)
    }

    @Test func theHostValidatorOnlyChecksTheHostItself() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let error = #expect(throws: ApplyError.self) { try HostSSHDValidator().validate(guestRoot: guest.path) }
        guard case .invalidGuestRoot? = error else {
            Issue.record("expected invalidGuestRoot, got \(String(describing: error))")
            return
        }
    }
}
