import Foundation
import Instances
import Testing

/// sshd keeps the first value of a keyword: the drop-in must come first, or a block at the top of sshd_config takes over.
@Suite struct SSHDPrecedenceTests {
    static let closed = DesiredCredentials(authorizedKeys: [TestKeys.a], passwordHash: nil, passwordAuthentication: false, hostname: nil)

    @Test(arguments: [
        ("00-aaa.conf", "PasswordAuthentication yes"),
        ("0-x.conf", "KbdInteractiveAuthentication yes"),          // "0-" sorts before "00-"
        ("00-cloud.conf", "ChallengeResponseAuthentication yes"),  // the old name of KbdInteractiveAuthentication
        ("00-a.conf", "passwordauthentication=yes"),               // keywords are case-insensitive, '=' separates too
    ])
    func anEarlierDropInSettingMovesTheSettingsToTheTopOfSSHDConfig(name: String, line: String) throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        try guest.write("/etc/ssh/sshd_config.d/" + name, line + "\n")
        let original = try guest.read("/etc/ssh/sshd_config")
        let report = try guest.applier().apply(Self.closed)
        let main = try guest.read("/etc/ssh/sshd_config")
        let lines = main.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix("# BEGIN keyward"))
        #expect(Array(lines[1...3]) == ["PasswordAuthentication no", "KbdInteractiveAuthentication no", "# END keyward"])
        #expect(main.hasSuffix(original), "the rest of sshd_config is kept as it was")
        #expect(report.changedFiles.contains("/etc/ssh/sshd_config"))
    }

    @Test func aDropInSortingAfterKeywardsChangesNothingInSSHDConfig() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        // '-' sorts before '0', so 000-x.conf comes after 00-keyward.conf.
        try guest.write("/etc/ssh/sshd_config.d/000-x.conf", "PasswordAuthentication yes\n")
        try guest.write("/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n")
        let before = guest.snapshot("/etc/ssh/sshd_config")
        _ = try guest.applier().apply(Self.closed)
        #expect(guest.snapshot("/etc/ssh/sshd_config") == before)
    }

    @Test func aHiddenOrNonMatchingFileInTheDropInDirectoryDoesNotCount() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        try guest.write("/etc/ssh/sshd_config.d/.00-aaa.conf", "PasswordAuthentication yes\n")
        try guest.write("/etc/ssh/sshd_config.d/00-aaa.conf.disabled", "PasswordAuthentication yes\n")
        let before = guest.snapshot("/etc/ssh/sshd_config")
        _ = try guest.applier().apply(Self.closed)
        #expect(guest.snapshot("/etc/ssh/sshd_config") == before)
    }

    @Test func anSSHDConfigWithoutTheIncludeGetsTheBlock() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        try guest.write("/etc/ssh/sshd_config", "UsePAM yes\nPermitRootLogin yes\n")
        _ = try guest.applier().apply(Self.closed)
        #expect(try guest.read("/etc/ssh/sshd_config").hasPrefix("# BEGIN keyward"))
    }

    @Test func aSettingInSSHDConfigBeforeTheIncludeGetsTheBlock() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        try guest.write("/etc/ssh/sshd_config", "PasswordAuthentication yes\nInclude /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n")
        _ = try guest.applier().apply(Self.closed)
        let text = try guest.read("/etc/ssh/sshd_config")
        let lines = configSettingLines(text)
        #expect(lines == ["PasswordAuthentication no", "KbdInteractiveAuthentication no", "PasswordAuthentication yes", "Include /etc/ssh/sshd_config.d/*.conf", "UsePAM yes"])
    }

    @Test func relativeIncludesAndSettingsAfterTheIncludeOrInMatchBlocksDoNotCount() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        try guest.write("/etc/ssh/sshd_config", """
            Include "sshd_config.d/*.conf"
            PasswordAuthentication yes
            Match User alice
                KbdInteractiveAuthentication yes

            """)
        let before = guest.snapshot("/etc/ssh/sshd_config")
        _ = try guest.applier().apply(Self.closed)
        #expect(guest.snapshot("/etc/ssh/sshd_config") == before)
    }

    @Test func aNestedIncludeIsFollowedInPlace() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        try guest.directory("/etc/ssh/extra")
        try guest.write("/etc/ssh/extra/a.conf", "KbdInteractiveAuthentication yes\n")
        try guest.write("/etc/ssh/sshd_config.d/00-aa.conf", "Include /etc/ssh/extra/*.conf\n")
        _ = try guest.applier().apply(Self.closed)
        #expect(try guest.read("/etc/ssh/sshd_config").hasPrefix("# BEGIN keyward"))
    }

    @Test func theBlockIsWrittenOnceAndRemovedWhenNoLongerNeeded() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let original = guest.snapshot("/etc/ssh/sshd_config")
        try guest.write("/etc/ssh/sshd_config.d/00-aaa.conf", "PasswordAuthentication yes\n")
        _ = try guest.applier().apply(Self.closed)
        let withBlock = try guest.read("/etc/ssh/sshd_config")

        let again = try guest.applier().apply(Self.closed)
        #expect(again.changedFiles.isEmpty)
        #expect(try guest.read("/etc/ssh/sshd_config") == withBlock)

        let opened = DesiredCredentials(authorizedKeys: [], passwordHash: nil, passwordAuthentication: true, hostname: nil)
        _ = try guest.applier().apply(opened)
        let reopened = try guest.read("/etc/ssh/sshd_config")
        #expect(reopened.components(separatedBy: "# BEGIN keyward").count == 2, "exactly one block")
        #expect(Array(configSettingLines(reopened).prefix(2)) == ["PasswordAuthentication yes", "KbdInteractiveAuthentication no"])

        try FileManager.default.removeItem(atPath: guest.hostPath("/etc/ssh/sshd_config.d/00-aaa.conf"))
        _ = try guest.applier().apply(Self.closed)
        #expect(guest.snapshot("/etc/ssh/sshd_config") == original, "the stale block is gone, byte for byte")
    }
}
