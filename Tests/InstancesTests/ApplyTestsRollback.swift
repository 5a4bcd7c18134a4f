import Foundation
import Instances
import SSHKeys
import Testing

@Suite struct ApplyRollbackTests {
    static let watched = [
        "/root", "/root/.ssh", "/root/.ssh/authorized_keys",
        "/home/alice", "/home/alice/.ssh", "/home/alice/.ssh/authorized_keys",
        "/etc", "/etc/shadow", "/etc/hostname",
        "/etc/ssh", "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d", "/etc/ssh/sshd_config.d/00-keyward.conf",
    ]

    @Test(arguments: ["root", "alice"])
    func aRefusedConfigurationPutsEveryFileBackByteForByte(user: String) throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        // Existing state of every kind: a key file to replace, a competing drop-in (so sshd_config gets a block),
        // a hostname to change, a shadow line to edit.
        try guest.directory("/root/.ssh", mode: 0o700)
        try guest.write("/root/.ssh/authorized_keys", TestKeys.b + "\n", mode: 0o600)
        try guest.write("/etc/ssh/sshd_config.d/00-aaa.conf", "PasswordAuthentication yes\n")
        let before = Self.watched.map(guest.snapshot)

        let refusal = ApplyError.sshdConfigInvalid(output: "line 1: Bad configuration option: Nonsense")
        let validator = ProbingValidator(probe: { _ in }, refusal: refusal)
        let desired = DesiredCredentials(
            loginUser: user, authorizedKeys: [TestKeys.a], passwordHash: PasswordHash.sha512Crypt("New-pw-1"), passwordAuthentication: false, hostname: "changed"
        )
        #expect(throws: refusal) { try guest.applier(validator).apply(desired) }

        let after = Self.watched.map(guest.snapshot)
        for (index, path) in Self.watched.enumerated() {
            #expect(after[index] == before[index], "\(path): \(before[index]) became \(after[index])")
        }
    }

    @Test func theValidatorRunsAfterTheChangesAndTheRollbackUndoesThem() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let shadowBefore = guest.snapshot("/etc/shadow")
        let validator = ProbingValidator(probe: { root in
            // At validation time the new state is in place…
            let dropIn = FileManager.default.fileExists(atPath: root + "/etc/ssh/sshd_config.d/00-keyward.conf")
            #expect(dropIn)
        }, refusal: .sshdConfigInvalid(output: "refused"))
        #expect(throws: ApplyError.sshdConfigInvalid(output: "refused")) {
            try guest.applier(validator).apply(DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        }
        // …and afterwards it is gone again.
        #expect(!guest.exists("/etc/ssh/sshd_config.d/00-keyward.conf"))
        #expect(!guest.exists("/root/.ssh"))
        #expect(guest.snapshot("/etc/shadow") == shadowBefore)
    }

    @Test func noTemporaryFileIsLeftBehind() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        _ = try guest.applier().apply(DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: "h1"))
        let validator = ProbingValidator(probe: { _ in }, refusal: .sshdConfigInvalid(output: "no"))
        _ = try? guest.applier(validator).apply(DesiredCredentials(authorizedKeys: [TestKeys.b], passwordHash: nil, passwordAuthentication: true, hostname: "h2"))
        for directory in ["/etc", "/etc/ssh", "/etc/ssh/sshd_config.d", "/root/.ssh"] {
            guard case .directory(_, _, _, let names) = guest.snapshot(directory) else {
                Issue.record("\(directory) is not a directory")
                continue
            }
            #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(directory): \(names)")
        }
    }
}
