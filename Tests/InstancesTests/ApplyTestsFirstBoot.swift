import Foundation
import Instances
import SSHKeys
import Testing

@Suite struct FirstBootSanitizerTests {
    /// A guest as a custom image leaves it: keys in several homes (one outside /home), passwords, host keys, a machine id.
    static func imageLikeGuest() throws -> GuestFixture {
        let guest = try GuestFixture()
        try guest.directory("/root/.ssh", mode: 0o700)
        try guest.write("/root/.ssh/authorized_keys", "# keys\n" + TestKeys.a + "\n" + TestKeys.b + "\n", mode: 0o600)
        try guest.write("/root/.ssh/authorized_keys2", TestKeys.b + "\n", mode: 0o600)
        try guest.directory("/srv/svc/.ssh", mode: 0o700, uid: 998, gid: 998)
        try guest.write("/srv/svc/.ssh/authorized_keys", TestKeys.a + "\n", mode: 0o600, uid: 998, gid: 998)
        try guest.directory("/home/alice/.ssh", mode: 0o700, uid: 1000, gid: 1000)
        try guest.write("/home/alice/.ssh/authorized_keys", TestKeys.b + "\n", mode: 0o600, uid: 1000, gid: 1000)
        try guest.write("/home/alice/.ssh/id_ed25519.pub", TestKeys.b + "\n", mode: 0o644, uid: 1000, gid: 1000)
        try guest.write("/etc/shadow", """
            root:\(PasswordHash.sha512Crypt("Root-pw-1", salt: "rootsalt")):0:0:99999:7:::
            daemon:*:19000:0:99999:7:::
            sshd:!:19000::::::
            svc:!\(GuestFixture.serviceHash):19000:0:99999:7:::
            alice:\(GuestFixture.aliceHash):19000:0:99999:7:::
            nobody::19000:0:99999:7:::

            """, mode: 0o640, gid: 42)
        #expect(try HostKeys.ensure(guestRoot: guest.path, comment: "root@image"))
        try guest.write("/etc/ssh/ssh_host_rsa_key", "not really a key\n", mode: 0o600)
        return guest
    }

    @Test func everythingTheImageCarriedIsRemovedExceptTheKeptPassword() throws {
        let guest = try Self.imageLikeGuest()
        defer { guest.remove() }
        let items = try FirstBootSanitizer(guestRoot: guest.path).sanitize(keepPasswordOf: "alice")

        for path in ["/root/.ssh/authorized_keys", "/root/.ssh/authorized_keys2", "/srv/svc/.ssh/authorized_keys", "/home/alice/.ssh/authorized_keys"] {
            #expect(!guest.exists(path), "\(path) is still there")
            #expect(items.contains { $0.kind == SanitizedItem.Kind.authorizedKeys && $0.path == path })
        }
        #expect(guest.exists("/home/alice/.ssh/id_ed25519.pub"), "only authorized_keys files are removed")
        #expect(items.first { $0.path == "/root/.ssh/authorized_keys" }?.detail.contains("2 key line") == true)

        #expect(try guest.shadowFields(of: "root")[1] == "*")
        #expect(try guest.shadowFields(of: "svc")[1] == "*", "a '!'-locked hash is still a hash an image should not carry")
        #expect(try guest.shadowFields(of: "nobody")[1] == "*", "an empty password logs in without one")
        #expect(try guest.shadowFields(of: "alice")[1] == GuestFixture.aliceHash)
        #expect(try guest.shadowFields(of: "sshd")[1] == "!")
        #expect(try guest.shadowFields(of: "root")[2] == shadowToday, "lastchg 0 would block key logins")
        #expect(guest.attributes("/etc/shadow") == Attributes(mode: 0o640, uid: 0, gid: 42))
        let lockedUsers = items.filter { $0.kind == SanitizedItem.Kind.password }.map(\.detail)
        #expect(lockedUsers.count == 3)

        #expect(try HostKeys.present(guestRoot: guest.path).isEmpty)
        #expect(!guest.exists("/etc/ssh/ssh_host_ed25519_key.pub"))
        #expect(items.filter { $0.kind == SanitizedItem.Kind.hostKey }.count == 3)

        #expect(try guest.read("/etc/machine-id") == "")
        #expect(guest.attributes("/etc/machine-id")?.mode == 0o444)
        #expect(items.contains { $0.kind == SanitizedItem.Kind.machineID && $0.path == "/etc/machine-id" })

        for item in items {
            #expect(!item.detail.contains("AAAA") && !item.detail.contains("$6$"), "\(item) shows a secret")
        }
        #expect(try FirstBootSanitizer(guestRoot: guest.path).sanitize(keepPasswordOf: "alice").isEmpty, "a second run finds nothing")
    }

    @Test func withoutAPasswordToKeepEveryPasswordIsLocked() throws {
        let guest = try Self.imageLikeGuest()
        defer { guest.remove() }
        _ = try FirstBootSanitizer(guestRoot: guest.path).sanitize(keepPasswordOf: nil)
        let accounts = try GuestAccounts(guestRoot: guest.path)
        for account in accounts.accounts {
            #expect(accounts.passwordHash(of: account.name) == nil, "\(account.name) still has a password")
        }
    }
}

@Suite struct HostKeysTests {
    @Test func anEd25519HostKeyIsMadeOnlyWhenTheGuestHasNone() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        #expect(try HostKeys.present(guestRoot: guest.path).isEmpty)
        #expect(try HostKeys.ensure(guestRoot: guest.path, comment: "root@web-1"))
        #expect(try HostKeys.present(guestRoot: guest.path) == ["/etc/ssh/ssh_host_ed25519_key"])
        #expect(guest.attributes("/etc/ssh/ssh_host_ed25519_key")?.mode == 0o600)
        let publicKey = try guest.read("/etc/ssh/ssh_host_ed25519_key.pub")
        #expect(publicKey.hasPrefix("ssh-ed25519 "))
        #expect(publicKey.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(" root@web-1"))
        let privateKey = guest.snapshot("/etc/ssh/ssh_host_ed25519_key")
        #expect(try HostKeys.ensure(guestRoot: guest.path, comment: "root@web-1") == false)
        #expect(guest.snapshot("/etc/ssh/ssh_host_ed25519_key") == privateKey)
    }
}

@Suite struct GuestAccountsTests {
    @Test func accountsGroupsAndUsablePasswordsAreRead() {
        let accounts = GuestAccounts(
            passwd: "root:x:0:0:root:/root:/bin/bash\n+nis::::::\nbroken:x:zero:0::/:/bin/sh\nsvc:x:998:997::/srv/svc:/bin/sh\n",
            group: "root:x:0:\nshadow:x:42:\n",
            shadow: "root:$6$s$h:1::::::\nsvc:!$6$s$h:1::::::\nlocked:*:1::::::\nempty::1::::::\ndes:abcdefghijklm:1::::::\n"
        )
        #expect(accounts.accounts.map(\.name) == ["root", "svc"])
        #expect(accounts.account(named: "svc") == GuestAccounts.Account(name: "svc", uid: 998, gid: 997, home: "/srv/svc", shell: "/bin/sh"))
        #expect(accounts.groupID(named: "shadow") == 42)
        #expect(accounts.passwordHash(of: "root") == "$6$s$h")
        #expect(accounts.passwordHash(of: "des") == "abcdefghijklm")
        for user in ["svc", "locked", "empty", "nobody"] {
            #expect(accounts.passwordHash(of: user) == nil, "\(user)")
        }
        #expect(!accounts.description.contains("$6$"))
    }
}
