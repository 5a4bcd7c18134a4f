import Foundation
import Hygiene
import Testing

@Suite struct SanitizeTests {
    @Test func dryRunChangesNothingAndListsEveryAction() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let before = try TreeState(image.root)
        let sanitizer = try Sanitizer(directory: image.root)
        let plan = sanitizer.plan(SanitizeOptions())
        let listing = SanitizeRenderer.render(plan, target: image.root, outcome: nil)
        #expect(try TreeState(image.root) == before)

        let expected: [(SanitizeOperation, String)] = [
            (.lockPasswords, "/etc/shadow"),
            (.authorizedKeys, "/root/.ssh/authorized_keys"),
            (.authorizedKeys, "/opt/svc/.ssh/authorized_keys"),
            (.privateKeys, "/opt/app/certs/server.key"),
            (.shellHistory, "/home/bob/.zsh_history"),
            (.hostKeys, "/etc/ssh/ssh_host_ed25519_key"),
            (.hostKeys, "/etc/ssh/ssh_host_ed25519_key.pub"),
            (.machineID, "/etc/machine-id"),
            (.passwdBackups, "/etc/shadow-"),
            (.sshdPasswordLogins, "/etc/ssh/sshd_config.d/50-cloud-init.conf"),
            (.temporaryFiles, "/tmp/bootstrap.sh"),
            (.temporaryFiles, "/var/tmp/cloud-config.yaml"),
        ]
        for (operation, path) in expected {
            #expect(plan.actions.contains { $0.operation == operation && $0.path == path }, "\(operation.rawValue) \(path)")
            #expect(listing.contains(path))
        }
        #expect(plan.actions.filter { $0.operation == .lockPasswords }.count == 7, "6 hashes or empty fields and 1 locked hash")
        #expect(!plan.actions.contains { $0.operation == .userAccounts }, "user-accounts is opt-in")
        #expect(listing.contains("dry run"))
    }

    @Test func scanAfterSanitizeHasNothingHighOrCritical() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let sanitizer = try Sanitizer(directory: image.root)
        let outcome = sanitizer.apply(sanitizer.plan(SanitizeOptions()))
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")

        let report = try ImageScanner().scan(path: image.root)
        let severe = report.findings.filter { $0.severity >= .high }
        #expect(severe.isEmpty, "\(severe.map { "\($0.location) \($0.ruleID): \($0.message)" })")
        #expect(try image.read("/etc/shadow").split(separator: "\n").first == "root:!:19500:0:99999:7:::")
        #expect(try image.read("/etc/ssh/sshd_config.d/50-cloud-init.conf") == "PasswordAuthentication no\n")
        #expect(try image.read("/etc/machine-id").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: image.path("/etc/ssh/ssh_host_ed25519_key")))
        #expect(!FileManager.default.fileExists(atPath: image.path("/tmp/bootstrap.sh")))
        #expect(FileManager.default.fileExists(atPath: image.path("/tmp")), "the directory itself stays")
        #expect(!FileManager.default.fileExists(atPath: image.path("/root/.bash_history")))
        // Findings that stay, at lower severity: the locked extra UID 0 account and PermitRootLogin with passwords off.
        #expect(report.finding(.extraRootAccount, "/etc/passwd")?.severity == .medium)
        #expect(report.finding(.sshdPermitRootLogin, "/etc/ssh/sshd_config")?.severity == .medium)
    }

    @Test func modesAndOwnersArePreserved() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let group = Host.isRoot ? 42 : Host.groupID
        let owner = Host.userID
        try FileManager.default.setAttributes([.posixPermissions: 0o640, .ownerAccountID: owner, .groupOwnerAccountID: group],
                                              ofItemAtPath: image.path("/etc/shadow"))
        try FileManager.default.setAttributes([.posixPermissions: 0o604], ofItemAtPath: image.path("/home/alice/.ssh/authorized_keys"))
        let shadow = try FileOwnership(image.path("/etc/shadow"))
        let keys = try FileOwnership(image.path("/home/alice/.ssh/authorized_keys"))
        let machineID = try FileOwnership(image.path("/etc/machine-id"))

        let sanitizer = try Sanitizer(directory: image.root)
        let outcome = sanitizer.apply(sanitizer.plan(SanitizeOptions()))
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")

        #expect(try FileOwnership(image.path("/etc/shadow")) == shadow)
        #expect(shadow.gid == group && shadow.mode == 0o640)
        #expect(try FileOwnership(image.path("/home/alice/.ssh/authorized_keys")) == keys)
        #expect(try FileOwnership(image.path("/etc/machine-id")) == machineID)
        #expect(try image.read("/home/alice/.ssh/authorized_keys").isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: image.path("/etc")).filter { $0.hasPrefix(".keyward-") }
        #expect(leftovers.isEmpty, "no temporary files left behind")
    }

    @Test func keepUserKeepsTheUserAndRemovesTheOthers() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let sanitizer = try Sanitizer(directory: image.root)
        let options = SanitizeOptions(operations: try SanitizeOperation.selection(from: "defaults,user-accounts"), keepUsers: ["alice"])
        let plan = sanitizer.plan(options)
        #expect(plan.actions.contains { $0.operation == .userAccounts && $0.summary.contains("'bob'") })
        #expect(!plan.actions.contains { $0.operation == .userAccounts && $0.summary.contains("'alice'") })
        let outcome = sanitizer.apply(plan)
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")

        let passwd = try image.read("/etc/passwd")
        #expect(passwd.contains("alice:x:1000:1000:"))
        #expect(!passwd.contains("bob:") && !passwd.contains("guest:"))
        #expect(passwd.contains("root:x:0:0:") && passwd.contains("svc:x:998:"))
        let shadow = try image.read("/etc/shadow")
        #expect(!shadow.contains("bob:"))
        let group = try image.read("/etc/group")
        #expect(group.contains("sudo:x:27:alice\n"))
        #expect(!group.contains("bob:x:1001:"))
        #expect(group.contains("alice:x:1000:"))
        #expect(FileManager.default.fileExists(atPath: image.path("/home/alice")))
        #expect(!FileManager.default.fileExists(atPath: image.path("/home/bob")))
    }

    @Test func operationsSubsetOnlyDoesThose() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let shadow = try image.read("/etc/shadow")
        let history = try image.read("/root/.bash_history")
        let keys = try image.read("/root/.ssh/authorized_keys")
        let sanitizer = try Sanitizer(directory: image.root)
        let plan = sanitizer.plan(SanitizeOptions(operations: try SanitizeOperation.selection(from: "ssh-hostkeys,machine-id")))
        #expect(Set(plan.actions.map(\.operation)) == [.hostKeys, .machineID])
        #expect(sanitizer.apply(plan).failures.isEmpty)

        #expect(!FileManager.default.fileExists(atPath: image.path("/etc/ssh/ssh_host_ed25519_key")))
        #expect(try image.read("/etc/machine-id").isEmpty)
        #expect(try image.read("/etc/shadow") == shadow)
        #expect(try image.read("/root/.bash_history") == history)
        #expect(try image.read("/root/.ssh/authorized_keys") == keys)
        #expect(FileManager.default.fileExists(atPath: image.path("/tmp/bootstrap.sh")))
    }

    @Test func operationListsParseLikeVirtSysprep() throws {
        #expect(try SanitizeOperation.selection(from: nil) == SanitizeOperation.defaults)
        #expect(!SanitizeOperation.defaults.contains(.userAccounts))
        #expect(try SanitizeOperation.selection(from: "-tmp-files") == SanitizeOperation.defaults.subtracting([.temporaryFiles]))
        #expect(try SanitizeOperation.selection(from: "defaults,user-accounts,-machine-id")
                == SanitizeOperation.defaults.union([.userAccounts]).subtracting([.machineID]))
        #expect(try SanitizeOperation.selection(from: "shell-history") == [.shellHistory])
        #expect(throws: SanitizeError.unknownOperation("bogus")) { try SanitizeOperation.selection(from: "shell-history,bogus") }
    }

    @Test func unsetPasswordAuthenticationIsPrependedToTheMainFile() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        try FileManager.default.removeItem(atPath: image.path("/etc/ssh/sshd_config.d/50-cloud-init.conf"))
        let sanitizer = try Sanitizer(directory: image.root)
        let plan = sanitizer.plan(SanitizeOptions(operations: [.sshdPasswordLogins]))
        #expect(sanitizer.apply(plan).failures.isEmpty)

        let main = try image.read("/etc/ssh/sshd_config").split(separator: "\n").map(String.init)
        #expect(main[1] == "PasswordAuthentication no")
        #expect(main[2] == "Include /etc/ssh/sshd_config.d/*.conf")
        #expect(main.contains("ChallengeResponseAuthentication no"), "already off: left alone")
        let report = try ImageScanner().scan(path: image.root)
        #expect(report.findings(of: .sshdPasswordAuthentication).isEmpty)
        #expect(report.findings(of: .sshdKeyboardInteractive).isEmpty)
    }

    @Test func sanitizeNeverChangesAnythingThroughLinksOutOfTheImage() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let outside = image.scratch.file("outside-history")
        try Data("outside content\n".utf8).write(to: URL(fileURLWithPath: outside))
        let outsideKeys = image.scratch.file("outside-keys")
        let keyLines = try image.read("/root/.ssh/authorized_keys")
        try Data(keyLines.utf8).write(to: URL(fileURLWithPath: outsideKeys))
        try image.link("/home/guest/.ssh/authorized_keys", to: String(repeating: "../", count: 10) + String(outsideKeys.dropFirst()))
        try image.link("/home/guest/.bash_history", to: outside)
        try image.link("/tmp/escape", to: image.scratch.path)

        let sanitizer = try Sanitizer(directory: image.root)
        let outcome = sanitizer.apply(sanitizer.plan(SanitizeOptions(operations: Set(SanitizeOperation.allCases))))
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "outside content\n")
        #expect(try String(contentsOfFile: outsideKeys, encoding: .utf8) == keyLines)
        #expect(!keyLines.isEmpty)
        #expect(try image.read("/root/.ssh/authorized_keys").isEmpty, "the image's own file was emptied")
        #expect(FileManager.default.fileExists(atPath: image.scratch.file("manifest.json")), "the link in /tmp was removed, not followed")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: image.path("/tmp/escape"))) == nil)
    }
}
