import Foundation
import Hygiene
import SSHKeys
import Testing

/// A finding reduced to what a test names: rule, path and line.
struct Located: Hashable, CustomStringConvertible {
    let rule: RuleID
    let path: String
    let line: Int?

    init(_ rule: RuleID, _ path: String, _ line: Int? = nil) {
        self.rule = rule
        self.path = path
        self.line = line
    }

    init(_ finding: Finding) {
        self.init(finding.rule, finding.path, finding.line)
    }

    var description: String { "\(rule.rawValue) \(path)\(line.map { ":\($0)" } ?? "")" }
}

extension ScanReport {
    var located: Set<Located> { Set(findings.map(Located.init)) }

    func finding(_ rule: RuleID, _ path: String, _ line: Int? = nil) -> Finding? {
        findings.first { $0.rule == rule && $0.path == path && (line == nil || $0.line == line) }
    }
}

/// The planted items of Fixtures/make_image_tree.py and the rule that must report each.
enum Planted {
    static let findings: [Located] = [
        Located(.extraRootAccount, "/etc/passwd", 6),
        Located(.presetPasswordHash, "/etc/shadow", 1),
        Located(.presetPasswordHash, "/etc/shadow", 4),
        Located(.weakPasswordHash, "/etc/shadow", 5),
        Located(.emptyPassword, "/etc/shadow", 6),
        Located(.presetPasswordHash, "/etc/shadow", 7),
        Located(.presetPasswordHash, "/etc/shadow", 8),
        Located(.lockedAccountWithHash, "/etc/shadow", 9),
        Located(.accountInconsistency, "/etc/shadow", 9),
        Located(.accountInconsistency, "/etc/shadow", 10),
        Located(.humanUser, "/etc/passwd", 4),
        Located(.humanUser, "/etc/passwd", 5),
        Located(.humanUser, "/etc/passwd", 8),
        Located(.accountDatabaseBackup, "/etc/shadow-"),
        Located(.sshdPasswordAuthentication, "/etc/ssh/sshd_config.d/50-cloud-init.conf", 1),
        Located(.sshdPermitRootLogin, "/etc/ssh/sshd_config", 2),
        Located(.sshdPermitEmptyPasswords, "/etc/ssh/sshd_config", 4),
        Located(.sshdRiskyOption, "/etc/ssh/sshd_config", 8),
        Located(.hostKey, "/etc/ssh/ssh_host_ed25519_key"),
        Located(.tcpWrappers, "/etc/hosts.deny", 1),
        Located(.machineID, "/etc/machine-id"),
        Located(.pamNullok, "/etc/pam.d/common-auth", 1),
        Located(.authorizedKey, "/root/.ssh/authorized_keys", 1),
        Located(.authorizedKey, "/root/.ssh/authorized_keys", 2),
        Located(.authorizedKey, "/home/alice/.ssh/authorized_keys", 1),
        Located(.authorizedKey, "/opt/svc/.ssh/authorized_keys", 1),
        Located(.privateKey, "/root/.ssh/id_ecdsa", 1),
        Located(.privateKey, "/home/alice/.ssh/id_rsa", 1),
        Located(.privateKey, "/home/alice/.ssh/id_ed25519", 1),
        Located(.privateKey, "/home/bob/.ssh/id_ed25519_enc", 1),
        Located(.privateKey, "/opt/app/certs/server.key", 1),
        Located(.privateKey, "/opt/app/deploy.ppk", 1),
        Located(.historyFile, "/root/.bash_history"),
        Located(.historyFile, "/home/alice/.bash_history"),
        Located(.historyFile, "/home/alice/.mysql_history"),
        Located(.historyFile, "/home/bob/.python_history"),
        Located(.historyFile, "/home/bob/.zsh_history"),
        Located(.secretInHistory, "/root/.bash_history", 2),
        Located(.secretInHistory, "/root/.bash_history", 3),
        Located(.secretInHistory, "/home/alice/.bash_history", 2),
        Located(.secretInHistory, "/home/alice/.mysql_history", 1),
        Located(.temporaryFiles, "/tmp/bootstrap.sh"),
        Located(.temporaryFiles, "/var/tmp/cloud-config.yaml"),
        Located(.secretInTemporaryFile, "/tmp/bootstrap.sh", 2),
        Located(.secretInTemporaryFile, "/tmp/bootstrap.sh", 3),
        Located(.secretInTemporaryFile, "/var/tmp/cloud-config.yaml", 3),
    ]

    /// Exact counts for the rules whose every finding is planted.
    static let counts: [RuleID: Int] = [
        .authorizedKey: 4, .privateKey: 6, .hostKey: 1, .historyFile: 5, .secretInHistory: 4, .emptyPassword: 1,
        .weakPasswordHash: 1, .presetPasswordHash: 4, .extraRootAccount: 1, .humanUser: 3, .secretInTemporaryFile: 3,
        .temporaryFiles: 2,
    ]
}

@Suite struct ScanDirectoryTests {
    @Test func findsEveryPlantedItemWithItsRuleAndPath() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let report = try ImageScanner().scan(path: image.root)

        let missing = Planted.findings.filter { !report.located.contains($0) }
        #expect(missing.isEmpty, "not reported: \(missing)")
        for (rule, count) in Planted.counts {
            #expect(report.findings(of: rule).count == count, "\(rule.rawValue): \(report.findings(of: rule).map(\.location))")
        }
        #expect(report.findings(of: .sshdKeyboardInteractive).isEmpty, "ChallengeResponseAuthentication no turns keyboard-interactive off")
        #expect(report.finding(.privateKey, "/home/bob/.ssh/id_ed25519_enc")?.severity == .high)
        #expect(report.finding(.privateKey, "/home/alice/.ssh/id_ed25519")?.severity == .critical)
        #expect(report.finding(.sshdPermitRootLogin, "/etc/ssh/sshd_config")?.severity == .high)
        #expect(report.finding(.pamNullok, "/etc/pam.d/common-auth")?.severity == .high, "toor has an empty password")
        #expect(report.finding(.accountDatabaseBackup, "/etc/shadow-")?.severity == .high)
        #expect(report.targetKind == "directory")
    }

    @Test func privateKeysAreFingerprintedFromTheirPublicHalf() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let report = try ImageScanner().scan(path: image.root)

        for path in ["/root/.ssh/id_ecdsa", "/home/alice/.ssh/id_rsa", "/home/alice/.ssh/id_ed25519", "/home/bob/.ssh/id_ed25519_enc", "/opt/app/certs/server.key"] {
            let publicLine = try Tools.check("ssh-keygen", ["-y", "-P", path.hasSuffix("_enc") ? "hunter2" : "", "-f", image.path(path)])
            let fingerprint = try PublicKey(parsing: publicLine).sha256Fingerprint
            let finding = try #require(report.finding(.privateKey, path))
            #expect(finding.message.contains(fingerprint), "\(path): \(finding.message)")
        }
        #expect(report.finding(.privateKey, "/home/bob/.ssh/id_ed25519_enc")?.message.contains("encrypted (aes256-ctr)") == true)
        #expect(report.finding(.privateKey, "/home/alice/.ssh/id_rsa")?.message.contains("PKCS#1 RSA") == true)
        #expect(report.finding(.privateKey, "/opt/app/deploy.ppk")?.message.contains("PuTTY") == true)

        let authorized = try PublicKey(parsing: image.read("/opt/svc/.ssh/authorized_keys"))
        #expect(report.finding(.authorizedKey, "/opt/svc/.ssh/authorized_keys")?.message.contains(authorized.sha256Fingerprint) == true)
    }

    @Test func renderedReportsNeverContainThePlantedSecrets() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let report = try ImageScanner().scan(path: image.root)
        let renderings = [
            TextReportRenderer(color: false).render(report),
            TextReportRenderer(color: true).render(report),
            JSONReportRenderer.render(report),
            SARIFRenderer.render(report),
        ]
        #expect(image.manifest.forbiddenStrings.count > 20)
        for rendering in renderings {
            let leaked = image.manifest.forbiddenStrings.filter { rendering.contains($0) }
            #expect(leaked.isEmpty, "leaked: \(leaked)")
        }
    }

    @Test func jsonReportIsValidAndCountsThePlantedItems() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let report = try ImageScanner().scan(path: image.root)
        let object = try JSONSerialization.jsonObject(with: Data(JSONReportRenderer.render(report).utf8))
        let json = try #require(object as? [String: Any])

        #expect(json["tool"] as? String == "keyward")
        #expect(json["schemaVersion"] as? Int == 1)
        #expect(json["target"] as? String == image.root)
        let findings = try #require(json["findings"] as? [[String: Any]])
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(findings.count == report.findings.count)
        #expect(summary["total"] as? Int == findings.count)
        #expect(summary["critical"] as? Int == findings.filter { $0["severity"] as? String == "critical" }.count)
        let byRule = try #require(summary["byRule"] as? [String: Int])
        for (rule, count) in Planted.counts {
            #expect(byRule[rule.rawValue] == count, "\(rule.rawValue)")
        }
        for finding in findings {
            for key in ["ruleId", "title", "severity", "path", "message", "remediation"] {
                #expect(finding[key] is String, "\(key) missing in \(finding)")
            }
            #expect(finding.keys.contains("line"))
        }
        #expect(json["notes"] is [Any])
    }

    @Test func sarifHasTheRequiredFields() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let report = try ImageScanner().scan(path: image.root)
        let object = try JSONSerialization.jsonObject(with: Data(SARIFRenderer.render(report).utf8))
        let sarif = try #require(object as? [String: Any])

        #expect(sarif["$schema"] as? String == SARIFRenderer.schemaURI)
        #expect(sarif["version"] as? String == "2.1.0")
        let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "keyward")
        #expect(driver["informationUri"] is String)
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.count == RuleID.allCases.count)
        for rule in rules {
            #expect(rule["id"] is String)
            #expect((rule["shortDescription"] as? [String: Any])?["text"] is String)
            #expect((rule["help"] as? [String: Any])?["text"] is String)
            #expect(["error", "warning", "note"].contains((rule["defaultConfiguration"] as? [String: Any])?["level"] as? String ?? ""))
        }
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == report.findings.count)
        for result in results {
            #expect(result["ruleId"] is String)
            #expect(["error", "warning", "note"].contains(result["level"] as? String ?? ""))
            #expect((result["message"] as? [String: Any])?["text"] is String)
            let location = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            #expect((location?["artifactLocation"] as? [String: Any])?["uri"] is String)
        }
        let empty = try #require(results.first { $0["ruleId"] as? String == RuleID.emptyPassword.rawValue })
        let physical = (empty["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
        #expect((physical?["artifactLocation"] as? [String: Any])?["uri"] as? String == "etc/shadow")
        #expect((physical?["region"] as? [String: Any])?["startLine"] as? Int == 6)
        #expect(empty["level"] as? String == "error")
    }

    @Test func failOnThresholdFollowsTheMostSevereFinding() throws {
        let clean = try Scratch()
        defer { clean.remove() }
        try FileManager.default.createDirectory(atPath: clean.file("etc"), withIntermediateDirectories: true)
        try Data("root:x:0:0:root:/root:/bin/bash\n".utf8).write(to: URL(fileURLWithPath: clean.file("etc/passwd")))
        try Data("root:*:19500:0:99999:7:::\n".utf8).write(to: URL(fileURLWithPath: clean.file("etc/shadow")))
        let report = try ImageScanner().scan(path: clean.path)
        #expect(!report.hasFinding(atOrAbove: .low), "\(report.findings.map(\.location))")

        let image = try GeneratedImage()
        defer { image.remove() }
        let dirty = try ImageScanner().scan(path: image.root)
        #expect(dirty.hasFinding(atOrAbove: .critical))
    }
}
