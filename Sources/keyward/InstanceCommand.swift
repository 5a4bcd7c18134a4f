import ArgumentParser
import Foundation
import Hygiene

/// `keyward instance audit`: the image rules and live checks on a running system.
struct InstanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instance",
        abstract: "Audit a live instance's logon credentials.",
        subcommands: [InstanceAuditCommand.self]
    )
}

struct InstanceAuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check a live root: image rules, sshd -T, authorized keys against the expected key, users against a baseline.",
        discussion: "Exit status: 0 when no finding reaches --fail-on (or it is not given), 1 when one does, 2 for bad usage."
    )

    @Option(help: "The system's root: / on the instance itself, or a sandbox instance's root directory.")
    var root = "/"

    @Option(name: .customLong("expected-key"), help: "Fingerprint of a key that may log in (SHA256:… or MD5), e.g. the bound key pair's (repeatable).")
    var expectedKeys: [String] = []

    @Option(name: .customLong("baseline-user"), help: "A user expected to be able to log in (repeatable); others are reported.")
    var baselineUsers: [String] = []

    @Flag(help: "Fix: keep only the expected keys, turn password login off, lock the --leftover-user accounts.")
    var fix = false

    @Option(name: .customLong("leftover-user"), help: "With --fix: an account to lock (password locked, keys removed) (repeatable).")
    var leftoverUsers: [String] = []

    @Option(help: "Output format: text, json or sarif.")
    var format = "text"

    @Option(name: .customLong("fail-on"), help: "Exit with status 1 when a finding is at or above this severity.")
    var failOn: String?

    func run() throws {
        guard ["text", "json", "sarif"].contains(format) else { throw ImageExit.fail("--format must be text, json or sarif") }
        var threshold: Severity?
        if let failOn {
            guard let severity = Severity(parsing: failOn) else { throw ImageExit.fail("--fail-on must be critical, high, medium, low or info") }
            threshold = severity
        }
        let audit = InstanceAudit(root: root)
        let expectations = InstanceAudit.Expectations(keyFingerprints: expectedKeys, baselineUsers: baselineUsers.isEmpty ? nil : baselineUsers)
        if fix {
            do {
                for action in try audit.fix(expectations, leftoverUsers: leftoverUsers) { print("fixed: \(action)") }
            } catch {
                throw ImageExit.fail("fix failed, nothing was changed: \(error)")
            }
        }
        let report = audit.audit(expectations)
        let output: String
        switch format {
        case "json": output = JSONReportRenderer.render(report) + "\n"
        case "sarif": output = SARIFRenderer.render(report) + "\n"
        default: output = TextReportRenderer(color: Console.isTerminal(1)).render(report)
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if let threshold, report.hasFinding(atOrAbove: threshold) { throw ImageExit.findings }
    }
}
