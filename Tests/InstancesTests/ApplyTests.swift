import Foundation
import Instances
import SSHKeys
import Testing

@Suite struct CredentialApplierTests {
    @Test func keysAreInstalledWithTheModesAndOwnerStrictModesWants() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let report = try guest.applier().apply(DesiredCredentials(
            loginUser: "alice", authorizedKeys: [TestKeys.a, TestKeys.b], passwordHash: nil, passwordAuthentication: false, hostname: nil
        ))
        #expect(try guest.read("/home/alice/.ssh/authorized_keys") == TestKeys.a + "\n" + TestKeys.b + "\n")
        #expect(guest.attributes("/home/alice/.ssh") == Attributes(mode: 0o700, uid: 1000, gid: 1000))
        #expect(guest.attributes("/home/alice/.ssh/authorized_keys") == Attributes(mode: 0o600, uid: 1000, gid: 1000))
        #expect(report.changedFiles.contains("/home/alice/.ssh"))
        #expect(report.changedFiles.contains("/home/alice/.ssh/authorized_keys"))
    }

    @Test func anExistingSSHDirectoryIsTightenedAndGivenToTheUser() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        try guest.directory("/root/.ssh", mode: 0o777, uid: 1000, gid: 1000)
        try guest.write("/root/.ssh/authorized_keys", "old\n", mode: 0o666, uid: 1000, gid: 1000)
        _ = try guest.applier().apply(DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        #expect(guest.attributes("/root/.ssh") == Attributes(mode: 0o700, uid: 0, gid: 0))
        #expect(guest.attributes("/root/.ssh/authorized_keys") == Attributes(mode: 0o600, uid: 0, gid: 0))
        #expect(try guest.read("/root/.ssh/authorized_keys") == TestKeys.a + "\n")
    }

    @Test func shadowGetsTheHashAndTodayAsLastChange() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let before = try guest.read("/etc/shadow")
        let hash = PasswordHash.sha512Crypt("Root-pw-1")
        _ = try guest.applier().apply(DesiredCredentials(authorizedKeys: [], passwordHash: hash, passwordAuthentication: true, hostname: nil))
        let fields = try guest.shadowFields(of: "root")
        #expect(fields == ["root", hash, shadowToday, "0", "99999", "7", "", "", ""])
        #expect(PasswordHash.verify("Root-pw-1", against: fields[1]))
        #expect(guest.attributes("/etc/shadow") == Attributes(mode: 0o640, uid: 0, gid: 42))
        let after = try guest.read("/etc/shadow")
        let otherLines = { (text: String) in text.split(separator: "\n").filter { !$0.hasPrefix("root:") } }
        #expect(otherLines(after) == otherLines(before))
    }

    @Test func noHashLocksThePasswordAndLastChangeZeroIsRepaired() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        _ = try guest.applier().apply(DesiredCredentials(loginUser: "alice", authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        let alice = try guest.shadowFields(of: "alice")
        #expect(Array(alice[1...2]) == ["*", shadowToday])
        _ = try guest.applier().apply(DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        // root was already locked ("*") but had lastchg 0, which would make PAM refuse even key logins.
        let root = try guest.shadowFields(of: "root")
        #expect(Array(root[1...2]) == ["*", shadowToday])
    }

    @Test func theDropInSaysWhetherPasswordsAreAcceptedAndAlwaysRefusesKeyboardInteractive() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let mainBefore = guest.snapshot("/etc/ssh/sshd_config")
        _ = try guest.applier().apply(DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        let closed = try guest.read("/etc/ssh/sshd_config.d/00-keyward.conf")
        #expect(configSettingLines(closed) == ["PasswordAuthentication no", "KbdInteractiveAuthentication no"])
        #expect(closed.hasPrefix("# Managed by Keyward"))
        #expect(guest.attributes("/etc/ssh/sshd_config.d/00-keyward.conf") == Attributes(mode: 0o644, uid: 0, gid: 0))
        #expect(guest.snapshot("/etc/ssh/sshd_config") == mainBefore, "the drop-in comes first, so sshd_config is left alone")

        _ = try guest.applier().apply(DesiredCredentials(authorizedKeys: [], passwordHash: PasswordHash.sha512Crypt("x"), passwordAuthentication: true, hostname: nil))
        let open = try guest.read("/etc/ssh/sshd_config.d/00-keyward.conf")
        #expect(configSettingLines(open) == ["PasswordAuthentication yes", "KbdInteractiveAuthentication no"])
    }

    @Test func theHostnameIsWrittenKeepingTheFilesModeAndLeftAloneWhenNil() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        try guest.write("/etc/hostname", "localhost\n", mode: 0o664)
        _ = try guest.applier().apply(DesiredCredentials(authorizedKeys: [], passwordHash: nil, passwordAuthentication: false, hostname: "web-1"))
        #expect(try guest.read("/etc/hostname") == "web-1\n")
        #expect(guest.attributes("/etc/hostname")?.mode == 0o664)
        let report = try guest.applier().apply(DesiredCredentials(authorizedKeys: [], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        #expect(try guest.read("/etc/hostname") == "web-1\n")
        #expect(!report.changedFiles.contains("/etc/hostname"))
    }

    @Test func applyingTheSameStateTwiceChangesNothingTheSecondTime() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let desired = DesiredCredentials(
            authorizedKeys: [TestKeys.a], passwordHash: PasswordHash.sha512Crypt("Root-pw-1"), passwordAuthentication: false, hostname: "db-2"
        )
        let first = try guest.applier().apply(desired)
        #expect(Set(first.changedFiles) == [
            "/root/.ssh", "/root/.ssh/authorized_keys", "/etc/shadow", "/etc/ssh/sshd_config.d/00-keyward.conf", "/etc/hostname",
        ])
        let paths = ["/root/.ssh", "/root/.ssh/authorized_keys", "/etc/shadow", "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d", "/etc/hostname"]
        let after = paths.map(guest.snapshot)
        let second = try guest.applier().apply(desired)
        #expect(second.changedFiles.isEmpty)
        #expect(paths.map(guest.snapshot) == after)
    }

    @Test func emptyKeysRemoveTheFileButKeepTheDirectory() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        _ = try guest.applier().apply(DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        let report = try guest.applier().apply(DesiredCredentials(authorizedKeys: [], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        #expect(!guest.exists("/root/.ssh/authorized_keys"))
        #expect(guest.exists("/root/.ssh"))
        #expect(report.changedFiles == ["/root/.ssh/authorized_keys"])
    }

    @Test func theValidatorSeesTheNewFiles() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let validator = ProbingValidator(probe: { root in
            let dropIn = (try? String(contentsOfFile: root + "/etc/ssh/sshd_config.d/00-keyward.conf", encoding: .utf8)) ?? ""
            #expect(dropIn.contains("PasswordAuthentication no"))
            let keys = (try? String(contentsOfFile: root + "/root/.ssh/authorized_keys", encoding: .utf8)) ?? ""
            #expect(keys == TestKeys.a + "\n")
        }, refusal: nil)
        _ = try guest.applier(validator).apply(DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
    }

    @Test func anUnknownUserIsRefusedBeforeAnythingIsWritten() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let before = guest.snapshot("/etc/shadow")
        #expect(throws: ApplyError.unknownUser("bob")) {
            try guest.applier().apply(DesiredCredentials(loginUser: "bob", authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        }
        #expect(guest.snapshot("/etc/shadow") == before)
        #expect(!guest.exists("/etc/ssh/sshd_config.d/00-keyward.conf"))
    }

    @Test(arguments: [
        DesiredCredentials(authorizedKeys: [TestKeys.a + "\n" + TestKeys.b], passwordHash: nil, passwordAuthentication: false, hostname: nil),
        DesiredCredentials(authorizedKeys: [""], passwordHash: nil, passwordAuthentication: false, hostname: nil),
        DesiredCredentials(authorizedKeys: [], passwordHash: "$6$a$b:0", passwordAuthentication: true, hostname: nil),
        DesiredCredentials(authorizedKeys: [], passwordHash: "$6$a$b\nbob::0", passwordAuthentication: true, hostname: nil),
        DesiredCredentials(authorizedKeys: [], passwordHash: nil, passwordAuthentication: false, hostname: "a/b"),
        DesiredCredentials(loginUser: "root:x", authorizedKeys: [], passwordHash: nil, passwordAuthentication: false, hostname: nil),
    ])
    func valuesThatWouldBreakTheFilesAreRefused(desired: DesiredCredentials) throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let before = ["/etc/shadow", "/etc/hostname", "/root"].map(guest.snapshot)
        let error = #expect(throws: ApplyError.self) { try guest.applier().apply(desired) }
        guard case .invalidDesiredState? = error else {
            Issue.record("expected invalidDesiredState, got \(String(describing: error))")
            return
        }
        #expect(["/etc/shadow", "/etc/hostname", "/root"].map(guest.snapshot) == before)
    }

    @Test func aLinkedSSHDirectoryIsRefusedAndItsTargetLeftAlone() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        try guest.link("/home/alice/.ssh", to: "/etc")
        let etcBefore = guest.attributes("/etc")
        #expect(throws: ApplyError.self) {
            try guest.applier().apply(DesiredCredentials(loginUser: "alice", authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        }
        #expect(!guest.exists("/etc/authorized_keys"))
        #expect(guest.attributes("/etc") == etcBefore)
    }

    @Test func homesAreResolvedInsideTheGuestEvenThroughAbsoluteLinks() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        // The guest's /srv is a link to its own /data: an absolute target means the guest's /data, not the host's.
        try FileManager.default.removeItem(atPath: guest.hostPath("/srv"))
        try guest.directory("/data")
        try guest.directory("/data/svc", mode: 0o750, uid: 998, gid: 998)
        try guest.link("/srv", to: "/data")
        let report = try guest.applier().apply(DesiredCredentials(loginUser: "svc", authorizedKeys: [TestKeys.b], passwordHash: nil, passwordAuthentication: false, hostname: nil))
        #expect(try guest.read("/data/svc/.ssh/authorized_keys") == TestKeys.b + "\n")
        #expect(guest.attributes("/data/svc/.ssh/authorized_keys") == Attributes(mode: 0o600, uid: 998, gid: 998))
        #expect(report.changedFiles.contains("/data/svc/.ssh/authorized_keys"))
    }
}

/// The non-comment, non-empty lines of a configuration text.
func configSettingLines(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
}
