import Foundation
import Instances
import SSHKeys

/// The checks of `LoginDoctor`, in the order it runs them.
enum DoctorChecks {
    // MARK: 1. The key is authorized

    static func keyAuthorized(_ context: DoctorContext) -> DiagnosisStep {
        let id = "key-authorized", title = "The private key's public half is among the user's authorized keys"
        let key: PublicKey
        switch context.publicKey {
        case .success(let found): key = found
        case .failure(let failure):
            return DiagnosisStep(id: id, title: title, status: .failed, detail: failure.message,
                                 fix: "Use the private key file Keyward returned (PKCS#8 or OpenSSH format), readable and unencrypted, or put its .pub beside it.")
        }
        guard context.target.root != nil, let accounts = context.accounts else {
            return DiagnosisStep(id: id, title: title, status: .skipped, detail: "no instance root given; the key is \(key.sha256Fingerprint)")
        }
        guard let account = accounts.account(named: context.target.user) else {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "user \(context.target.user) does not exist on the target",
                                 fix: "Log in as an existing user (ECS Linux images: root).")
        }
        let files = authorizedKeysFiles(context, home: account.home, user: account.name)
        var fingerprints: [String] = []
        for file in files {
            guard let text = context.text(file) else { continue }
            for line in text.split(separator: "\n") {
                if case .success(let parsed)? = AuthorizedKeysLine(String(line))?.publicKey() { fingerprints.append(parsed.sha256Fingerprint) }
            }
        }
        if fingerprints.contains(key.sha256Fingerprint) {
            return DiagnosisStep(id: id, title: title, status: .passed, detail: "\(key.sha256Fingerprint) is in \(files.joined(separator: ", "))")
        }
        return DiagnosisStep(
            id: id, title: title, status: .failed,
            detail: "\(key.sha256Fingerprint) is not among the \(fingerprints.count) key(s) in \(files.joined(separator: ", "))",
            fix: "Bind the key pair to the instance (AttachKeyPair) and restart it (RebootInstance): a binding takes effect at the next start."
        )
    }

    static func authorizedKeysFiles(_ context: DoctorContext, home: String, user: String) -> [String] {
        let configured = context.setting("authorizedkeysfile")?.split(separator: " ").map(String.init) ?? [".ssh/authorized_keys", ".ssh/authorized_keys2"]
        return configured.filter { $0 != "none" }.map { pattern in
            let expanded = pattern.replacingOccurrences(of: "%h", with: home).replacingOccurrences(of: "%u", with: user).replacingOccurrences(of: "%%", with: "%")
            return expanded.hasPrefix("/") ? expanded : home + "/" + expanded
        }
    }

    // MARK: 2. The port accepts TCP

    static func portOpen(_ context: DoctorContext) -> DiagnosisStep {
        let id = "port-open", title = "The port accepts TCP connections"
        let target = context.target
        switch TCPProbe.banner(host: target.host, port: target.port) {
        case .success(let banner):
            return DiagnosisStep(id: id, title: title, status: .passed, detail: "\(target.host):\(target.port) answered \(banner)")
        case .failure(let failure):
            var fix = "Check the address and port (DescribeInstances: VpcAttributes.PrivateIpAddress), that the instance is Running, and that no firewall drops the port."
            var detail = "\(target.host):\(target.port): \(failure.message)"
            if let configured = context.setting("port"), configured != String(target.port) { fix = "sshd listens on port \(configured), not \(target.port): connect to \(configured)." }
            if let rule = blockingFirewallRule(context).rule {
                detail += "; a firewall rule drops the port: \(rule)"
                fix = "Remove the firewall rule or allow TCP port \(target.port) before it."
            }
            // Accepted, then closed without a word: what sshd does when TCP wrappers refuse the client.
            let wrappers = tcpWrappers(context)
            if failure.message.hasPrefix("connected"), wrappers.status == .failed {
                detail += "; \(wrappers.detail)"
                fix = wrappers.fix ?? fix
            }
            return DiagnosisStep(id: id, title: title, status: .failed, detail: detail, fix: fix)
        }
    }

    // MARK: 3. sshd answers on the configured port

    static func sshdListening(_ context: DoctorContext) -> DiagnosisStep {
        let id = "sshd-listening", title = "sshd is running and listening on the configured port"
        let target = context.target
        guard case .success(let banner) = TCPProbe.banner(host: target.host, port: target.port) else {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "no answer", fix: "Start sshd (StartInstance or RebootInstance).")
        }
        guard banner.hasPrefix("SSH-2.0-") else {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "the port answered \"\(banner)\", not an SSH server",
                                 fix: "Another service holds the port; move it or point sshd's Port elsewhere.")
        }
        if let ports = context.effectiveConfig?["port"], !ports.contains(String(target.port)) {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "sshd is configured for port(s) \(ports.joined(separator: ", "))",
                                 fix: "Connect to the configured port or change Port in sshd_config.")
        }
        return DiagnosisStep(id: id, title: title, status: .passed, detail: banner)
    }

    // MARK: 4. sshd -t

    static func sshdConfigValid(_ context: DoctorContext) -> DiagnosisStep {
        let id = "sshd-config-valid", title = "sshd -t accepts the configuration"
        guard let root = context.target.root else { return DiagnosisStep(id: id, title: title, status: .skipped, detail: "no instance root given") }
        do {
            if let problem = try GuestSSHD(guestRoot: root).test() {
                return DiagnosisStep(id: id, title: title, status: .failed, detail: problem,
                                     fix: "Fix the line sshd names, then restart sshd; until then the running sshd keeps its old configuration and a restart would fail.")
            }
            return DiagnosisStep(id: id, title: title, status: .passed, detail: "sshd -t passed")
        } catch {
            return DiagnosisStep(id: id, title: title, status: .skipped, detail: "could not run sshd -t: \(error)")
        }
    }

    // MARK: 5. StrictModes

    static func strictModes(_ context: DoctorContext) -> DiagnosisStep {
        let id = "strict-modes", title = "StrictModes: ownership and permissions up to authorized_keys"
        guard context.target.root != nil, let accounts = context.accounts, let account = accounts.account(named: context.target.user) else {
            return DiagnosisStep(id: id, title: title, status: .skipped, detail: "no instance root given")
        }
        if context.setting("strictmodes") == "no" { return DiagnosisStep(id: id, title: title, status: .passed, detail: "StrictModes is off") }
        for file in authorizedKeysFiles(context, home: account.home, user: account.name) {
            guard let hostFile = context.hostPath(file), FileManager.default.fileExists(atPath: hostFile) else { continue }
            var guestPath = ""
            var components = file.split(separator: "/").map(String.init)
            let last = components.removeLast()
            var chain = ["/"]
            for component in components {
                guestPath += "/" + component
                chain.append(guestPath)
            }
            chain.append(guestPath + "/" + last)
            for (index, path) in chain.enumerated() {
                guard let host = context.hostPath(path), let attributes = try? FileManager.default.attributesOfItem(atPath: host),
                      let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
                else { continue }
                let isFile = index == chain.count - 1
                let badOwner = owner != 0 && owner != account.uid
                let writable = mode & 0o022 != 0
                if badOwner || writable {
                    let what = "\(path) is owned by uid \(owner) with mode \(String(mode, radix: 8))"
                    let fix = isFile
                        ? "chown \(account.name) \(path); chmod 600 \(path)"
                        : "chown \(owner == 0 || owner == account.uid ? "" : account.name + " ")\(path); chmod go-w \(path)".replacingOccurrences(of: "chown  ", with: "chown ")
                    return DiagnosisStep(id: id, title: title, status: .failed, detail: what + ": sshd refuses keys behind it (bad ownership or modes)", fix: fix)
                }
            }
        }
        return DiagnosisStep(id: id, title: title, status: .passed, detail: "home, .ssh and authorized_keys are owned correctly and not group or world writable")
    }

    // MARK: 6. Firewall

    static func firewall(_ context: DoctorContext) -> DiagnosisStep {
        let id = "firewall", title = "No iptables or nftables rule drops the port"
        let port = String(context.target.port)
        let (blocking, count) = blockingFirewallRule(context)
        if let blocking {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "rule: \(blocking)", fix: "Remove the rule or allow TCP port \(port) before it.")
        }
        return DiagnosisStep(id: id, title: title, status: .passed, detail: count == 0 ? "no firewall rules found" : "\(count) rule lines, none drops port \(port)")
    }

    /// The first rule line (iptables-save, nft) that drops or rejects the target's port, and how many lines were read.
    static func blockingFirewallRule(_ context: DoctorContext) -> (rule: String?, count: Int) {
        let port = String(context.target.port)
        var rules: [String] = []
        for tool in ["iptables-save", "nft"] {
            guard let path = Command.locate(tool) else { continue }
            let arguments = tool == "nft" ? ["list", "ruleset"] : []
            let command = context.target.networkNamespace.map { Command("/usr/sbin/ip", ["netns", "exec", $0, path] + arguments) } ?? Command(path, arguments)
            if let result = try? command.runBlocking(), result.succeeded { rules += result.output.split(separator: "\n").map(String.init) }
        }
        let blocking = rules.first { FirewallRule.dropsPort($0, port: port) }?.trimmingCharacters(in: .whitespaces)
        return (blocking, rules.count)
    }

    // MARK: 7. TCP wrappers

    static func tcpWrappers(_ context: DoctorContext) -> DiagnosisStep {
        let id = "tcp-wrappers", title = "hosts.allow / hosts.deny do not refuse sshd"
        guard context.target.root != nil else { return DiagnosisStep(id: id, title: title, status: .skipped, detail: "no instance root given") }
        let allow = entries(context.text("/etc/hosts.allow"))
        let deny = entries(context.text("/etc/hosts.deny"))
        let matches: ([String]) -> String? = { lines in lines.first { line in
            let daemons = line.split(separator: ":").first.map { $0.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.lowercased() } } ?? []
            return daemons.contains("sshd") || daemons.contains("all")
        } }
        if let denied = matches(deny), matches(allow) == nil {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "/etc/hosts.deny: \(denied)",
                                 fix: "Remove the line from /etc/hosts.deny or allow your address for sshd in /etc/hosts.allow.")
        }
        return DiagnosisStep(id: id, title: title, status: .passed, detail: deny.isEmpty ? "no hosts.deny entries" : "sshd is allowed")
    }

    private static func entries(_ text: String?) -> [String] {
        guard let text else { return [] }
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
