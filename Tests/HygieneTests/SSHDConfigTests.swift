import Foundation
import Hygiene
import Testing

/// The effective sshd configuration, evaluated from files in a directory image.
@Suite struct SSHDConfigTests {
    /// Writes `files` (image path → text) into a fresh directory image and evaluates its sshd configuration.
    private func evaluate(_ files: [String: String]) throws -> (SSHDEffectiveConfig, [ScanNote]) {
        let scratch = try Scratch()
        defer { scratch.remove() }
        for (path, text) in files {
            let full = scratch.path + path
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        }
        try FileManager.default.createDirectory(atPath: scratch.file("etc/ssh"), withIntermediateDirectories: true)
        let snapshot = ImageSnapshot(filesystem: try DirectoryRoot(path: scratch.path))
        var notes: [ScanNote] = []
        let loaded = SSHDEffectiveConfig.load(from: snapshot, notes: &notes)
        let config = try #require(loaded)
        return (config, notes)
    }

    @Test func dropInIncludedFirstWinsOverTheMainFile() throws {
        let (config, _) = try evaluate([
            "/etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n",
            "/etc/ssh/sshd_config.d/00-a.conf": "PasswordAuthentication yes\n",
        ])
        #expect(config.passwordAuthentication)
        #expect(config.setting("PasswordAuthentication")?.path == "/etc/ssh/sshd_config.d/00-a.conf")
        #expect(config.setting("PasswordAuthentication")?.line == 1)
        #expect(config.occurrences.filter { $0.keyword == "passwordauthentication" }.count == 2)
    }

    @Test func mainFileBeforeTheIncludeWins() throws {
        let (config, _) = try evaluate([
            "/etc/ssh/sshd_config": "PasswordAuthentication no\nInclude /etc/ssh/sshd_config.d/*.conf\n",
            "/etc/ssh/sshd_config.d/50-cloud-init.conf": "PasswordAuthentication yes\n",
        ])
        #expect(!config.passwordAuthentication)
        #expect(config.setting("PasswordAuthentication")?.path == "/etc/ssh/sshd_config")
    }

    @Test func includeFilesAreReadInSortedOrderAndRelativeToEtcSSH() throws {
        let (config, _) = try evaluate([
            "/etc/ssh/sshd_config": "Include sshd_config.d/*.conf\n",
            "/etc/ssh/sshd_config.d/10-b.conf": "PermitRootLogin no\nMaxAuthTries 3\n",
            "/etc/ssh/sshd_config.d/05-a.conf": "PermitRootLogin yes\n",
            "/etc/ssh/sshd_config.d/20-c.conf.disabled": "MaxAuthTries 10\n",
        ])
        #expect(config.files == ["/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/05-a.conf", "/etc/ssh/sshd_config.d/10-b.conf"])
        #expect(config.permitRootLogin == "yes")
        #expect(config.maxAuthTries == 3)
    }

    @Test func openSSHDefaultsApplyWhenUnset() throws {
        let (config, _) = try evaluate(["/etc/ssh/sshd_config": "# nothing set\nSubsystem sftp internal-sftp\n"])
        #expect(config.passwordAuthentication)
        #expect(config.keyboardInteractiveAuthentication)
        #expect(config.permitRootLogin == "prohibit-password")
        #expect(!config.permitEmptyPasswords)
        #expect(config.pubkeyAuthentication)
        #expect(config.maxAuthTries == 6)
        #expect(!config.usePAM)
        #expect(config.authorizedKeysFiles == [".ssh/authorized_keys", ".ssh/authorized_keys2"])
        #expect(config.setting("PasswordAuthentication") == nil)
    }

    @Test func aliasesCaseAndEqualsSignsAreUnderstood() throws {
        let (config, _) = try evaluate([
            "/etc/ssh/sshd_config": "challengeresponseauthentication no\nKbdInteractiveAuthentication yes\npasswordauthentication=no\nPermitRootLogin without-password\nAuthorizedKeysFile \"/etc/ssh/keys/%u\" .ssh/authorized_keys # comment\n",
        ])
        #expect(!config.keyboardInteractiveAuthentication)
        #expect(config.setting("KbdInteractiveAuthentication")?.spelling == "challengeresponseauthentication")
        #expect(!config.passwordAuthentication)
        #expect(config.permitRootLogin == "prohibit-password")
        #expect(config.authorizedKeysFiles == ["/etc/ssh/keys/%u", ".ssh/authorized_keys"])
    }

    @Test func matchBlocksAreRecordedButNotAppliedGlobally() throws {
        let (config, _) = try evaluate([
            "/etc/ssh/sshd_config": "PasswordAuthentication no\nInclude /etc/ssh/sshd_config.d/*.conf\nMatch User deploy\n    PasswordAuthentication yes\n",
            "/etc/ssh/sshd_config.d/10-x.conf": "Match Address 10.0.0.0/8\n  PermitRootLogin yes\n",
        ])
        #expect(!config.passwordAuthentication)
        #expect(config.permitRootLogin == "prohibit-password")
        #expect(config.matchBlocks.count == 2)
        #expect(config.matchBlocks.contains { $0.criteria == "User deploy" && $0.settings.first?.keyword == "passwordauthentication" })
        #expect(config.matchBlocks.contains { $0.criteria == "Address 10.0.0.0/8" && $0.path == "/etc/ssh/sshd_config.d/10-x.conf" })
    }

    @Test func selfIncludeStopsAtTheDepthLimit() throws {
        let (config, notes) = try evaluate([
            "/etc/ssh/sshd_config": "Include /etc/ssh/sshd_config\nPermitRootLogin no\n",
        ])
        #expect(config.permitRootLogin == "no")
        #expect(notes.contains { $0.message.contains("deeper than 16") })
        #expect(config.files.count == SSHDConfigEvaluator.maximumIncludeDepth + 1)
    }

    @Test func evaluatorWorksOnSuppliedFiles() {
        let files = [
            "/etc/ssh/sshd_config": ["Include /etc/ssh/sshd_config.d/*.conf", "PasswordAuthentication no"],
            "/etc/ssh/sshd_config.d/00-a.conf": ["PasswordAuthentication yes"],
        ]
        let config = SSHDConfigEvaluator().evaluate(
            read: { files[$0].map(SSHDConfigFile.lines) ?? .missing },
            expand: { pattern in pattern.hasSuffix("*.conf") ? ["/etc/ssh/sshd_config.d/00-a.conf"] : [] }
        )
        #expect(config.passwordAuthentication)
        #expect(config.mainFileFound)
    }

    @Test func sshdRulesReportTheWinningLine() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.file("etc/ssh/sshd_config.d"), withIntermediateDirectories: true)
        try Data("Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\nUsePAM yes\n".utf8).write(to: URL(fileURLWithPath: scratch.file("etc/ssh/sshd_config")))
        try Data("PasswordAuthentication yes\n".utf8).write(to: URL(fileURLWithPath: scratch.file("etc/ssh/sshd_config.d/00-a.conf")))
        let report = try ImageScanner().scan(path: scratch.path)
        #expect(report.located.contains(Located(.sshdPasswordAuthentication, "/etc/ssh/sshd_config.d/00-a.conf", 1)))
        let keyboard = try #require(report.findings(of: .sshdKeyboardInteractive).first)
        #expect(keyboard.severity == .high && keyboard.line == nil, "unset, default yes, and UsePAM yes")
    }
}
