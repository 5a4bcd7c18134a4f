import Foundation

/// KW-SYS-001: machine-id files with an identity every clone would share.
public struct MachineIDRules: ImageRule {
    public static let paths = ["/etc/machine-id", "/var/lib/dbus/machine-id"]

    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        for path in Self.paths {
            // A link (usually /var/lib/dbus/machine-id -> /etc/machine-id) is judged where it points.
            guard let entry = context.snapshot.entry(at: path), entry.isRegular, entry.size > 0 else { continue }
            guard let lines = context.snapshot.lines(at: path, output: &output) else { continue }
            let value = lines.first?.trimmingSpaces() ?? ""
            guard !value.isEmpty, value != "uninitialized" else { continue }
            output.add(Finding(.machineID, path: path, message: "machine-id is set (\(value.count) characters); every instance from this image would share it"))
        }
        return output
    }
}

/// KW-SYS-002/003: tcp_wrappers rules that deny sshd, and /etc/nologin.
public struct AccessControlRules: ImageRule {
    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let snapshot = context.snapshot
        let allowed = Self.rules(in: snapshot.lines(at: "/etc/hosts.allow", output: &output) ?? [])
            .filter { Self.affectsSSHD($0.daemons) && !$0.options.lowercased().contains("deny") }
            .map(\.clients)
        let admitted = allowed.isEmpty ? "" : "; hosts.allow admits sshd from: " + allowed.joined(separator: "; ")
        for rule in Self.rules(in: snapshot.lines(at: "/etc/hosts.deny", output: &output) ?? []) where Self.affectsSSHD(rule.daemons) {
            output.add(Finding(.tcpWrappers, path: "/etc/hosts.deny", line: rule.line,
                               message: "denies sshd to '\(rule.clients)'\(admitted) (only where sshd uses libwrap)"))
        }
        for rule in Self.rules(in: snapshot.lines(at: "/etc/hosts.allow", output: &output) ?? [])
        where Self.affectsSSHD(rule.daemons) && rule.options.lowercased().contains("deny") {
            output.add(Finding(.tcpWrappers, path: "/etc/hosts.allow", line: rule.line,
                               message: "hosts.allow rule with DENY for sshd clients '\(rule.clients)'"))
        }
        if let entry = snapshot.entry(at: "/etc/nologin") {
            let pam = PAMStack.mentions("pam_nologin", in: snapshot, files: ["/etc/pam.d/sshd", "/etc/pam.d/login"])
            let enforced = pam.isEmpty ? "" : " (pam_nologin is in \(pam.joined(separator: ", ")))"
            output.add(Finding(.nologin, path: "/etc/nologin",
                               message: "/etc/nologin exists (\(entry.kindDescription)): non-root logins are refused\(enforced)"))
        }
        return output
    }

    struct WrapperRule {
        let daemons: String
        let clients: String
        let options: String
        let line: Int
    }

    /// `daemons : clients [: options]` rules, with backslash continuations joined and comments dropped.
    static func rules(in lines: [String]) -> [WrapperRule] {
        var rules: [WrapperRule] = []
        var pending = ""
        var start = 0
        for (offset, raw) in lines.enumerated() {
            if pending.isEmpty { start = offset + 1 }
            let line = raw.trimmingSpaces()
            if line.hasSuffix("\\") {
                pending += String(line.dropLast()) + " "
                continue
            }
            let logical = (pending + line).trimmingSpaces()
            pending = ""
            guard !logical.isEmpty, !logical.hasPrefix("#") else { continue }
            let fields = logical.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
            guard fields.count >= 2 else { continue }
            rules.append(WrapperRule(daemons: fields[0], clients: fields[1], options: fields.count > 2 ? fields[2] : "", line: start))
        }
        return rules
    }

    static func affectsSSHD(_ daemons: String) -> Bool {
        daemons.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).contains { daemon in
            let name = daemon.split(separator: "@").first.map { $0.lowercased() } ?? ""
            return name == "all" || name == "sshd"
        }
    }
}
