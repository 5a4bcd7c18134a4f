import Foundation
import Instances
import SSHKeys

extension DoctorChecks {
    // MARK: 8. PAM and the account

    static func pamAccount(_ context: DoctorContext) -> DiagnosisStep {
        let id = "pam-account", title = "PAM and the account allow the login"
        guard context.target.root != nil else { return DiagnosisStep(id: id, title: title, status: .skipped, detail: "no instance root given") }
        let user = context.target.user
        if user != "root", context.text("/etc/nologin") != nil {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "/etc/nologin exists: pam_nologin refuses every user but root",
                                 fix: "rm /etc/nologin (it is left by shutdown or maintenance scripts).")
        }
        let shadow = context.text("/etc/shadow") ?? ""
        if let fields = shadow.split(separator: "\n").map({ $0.split(separator: ":", omittingEmptySubsequences: false) }).first(where: { $0.first.map(String.init) == user }) {
            let today = Int(Date().timeIntervalSince1970 / 86_400)
            if fields.count > 7, let expires = Int(fields[7]), expires <= today {
                return DiagnosisStep(id: id, title: title, status: .failed, detail: "the account \(user) expired (shadow expire day \(expires))",
                                     fix: "chage -E -1 \(user)")
            }
            if fields.count > 2, fields[2] == "0" {
                return DiagnosisStep(id: id, title: title, status: .failed, detail: "the password of \(user) must be changed at next login (shadow last change 0): non-interactive logins fail, even with a key",
                                     fix: "chage -d $(( $(date +%s) / 86400 )) \(user), or set a password with ModifyInstanceAttribute and reboot")
            }
            if fields.count > 1, fields[1].hasPrefix("!"), context.setting("usepam") == "no" {
                return DiagnosisStep(id: id, title: title, status: .failed, detail: "the account \(user) is locked (\"!\" in /etc/shadow) and UsePAM is off: sshd refuses it",
                                     fix: "usermod -U \(user), or lock with \"*\" instead of \"!\"")
            }
        }
        if let accessDenial = accessConfDenial(context, user: user) {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "pam_access: /etc/security/access.conf: \(accessDenial)",
                                 fix: "Remove or narrow the line in /etc/security/access.conf, or drop pam_access from /etc/pam.d/sshd.")
        }
        return DiagnosisStep(id: id, title: title, status: .passed, detail: "no nologin, the account is usable")
    }

    /// The access.conf line that denies `user`, when pam_access is enabled for sshd.
    private static func accessConfDenial(_ context: DoctorContext, user: String) -> String? {
        guard let pam = context.text("/etc/pam.d/sshd"),
              pam.split(separator: "\n").contains(where: { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") && $0.contains("pam_access.so") }),
              let access = context.text("/etc/security/access.conf")
        else { return nil }
        for line in access.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#") else { continue }
            let fields = trimmed.split(separator: ":", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3 else { continue }
            let users = fields[1].split(separator: " ").map(String.init)
            if users.contains("ALL") || users.contains(user) {
                return fields[0] == "-" ? trimmed : nil
            }
        }
        return nil
    }

    // MARK: 9. Boot target

    static func bootTarget(_ context: DoctorContext) -> DiagnosisStep {
        let id = "boot-target", title = "The system boots to a multi-user target"
        guard let root = context.target.root else { return DiagnosisStep(id: id, title: title, status: .skipped, detail: "no instance root given") }
        let hostRoot = root == "/" ? "" : root
        let link = hostRoot + "/etc/systemd/system/default.target"
        if let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: link) {
            let name = (destination as NSString).lastPathComponent
            if ["rescue.target", "emergency.target", "halt.target", "poweroff.target"].contains(name) {
                return DiagnosisStep(id: id, title: title, status: .failed, detail: "default.target is \(name): sshd is not started at boot",
                                     fix: "systemctl set-default multi-user.target")
            }
            return DiagnosisStep(id: id, title: title, status: .passed, detail: "default.target is \(name)")
        }
        if let inittab = context.text("/etc/inittab"),
           let line = inittab.split(separator: "\n").first(where: { $0.contains(":initdefault:") }),
           let level = line.split(separator: ":", omittingEmptySubsequences: false).dropFirst().first, ["0", "1", "s", "S", "6"].contains(String(level)) {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "inittab default runlevel is \(level)", fix: "Set the initdefault runlevel to 2 or 3 in /etc/inittab.")
        }
        return DiagnosisStep(id: id, title: title, status: .passed, detail: "no single-user or rescue default")
    }

    // MARK: 10. The server offers publickey

    static func publicKeyOffered(_ context: DoctorContext) -> DiagnosisStep {
        let id = "publickey-offered", title = "The server offers publickey authentication"
        let target = context.target
        let result = try? Command(Command.locate("ssh") ?? "/usr/bin/ssh", [
            "-o", "PreferredAuthentications=none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=5", "-p", String(target.port), "\(target.user)@\(target.host)", "true",
        ]).runBlocking()
        let output = result?.errorOutput ?? ""
        guard let open = output.range(of: "Permission denied ("), let close = output[open.upperBound...].firstIndex(of: ")") else {
            return DiagnosisStep(id: id, title: title, status: .skipped, detail: "the server did not list its methods: \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let methods = output[open.upperBound..<close].split(separator: ",").map(String.init)
        guard methods.contains("publickey") else {
            return DiagnosisStep(id: id, title: title, status: .failed, detail: "the server offers only: \(methods.joined(separator: ", "))",
                                 fix: "Set PubkeyAuthentication yes (in the sshd_config file that wins: the first value counts) and restart sshd.")
        }
        return DiagnosisStep(id: id, title: title, status: .passed, detail: "offered: \(methods.joined(separator: ", "))")
    }

    // MARK: 11. A real login

    static func login(_ context: DoctorContext) -> DiagnosisStep {
        let id = "login", title = "A login with the key succeeds"
        let target = context.target
        guard !target.privateKeyPath.isEmpty else {
            return DiagnosisStep(id: id, title: title, status: .skipped, detail: "no private key given: give it to try a real login")
        }
        let result = try? Command(Command.locate("ssh") ?? "/usr/bin/ssh", [
            "-i", target.privateKeyPath, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-p", String(target.port), "\(target.user)@\(target.host)", "true",
        ]).runBlocking()
        if result?.succeeded == true { return DiagnosisStep(id: id, title: title, status: .passed, detail: "logged in as \(target.user)") }
        let said = result?.errorOutput.split(separator: "\n").last.map(String.init) ?? "ssh did not run"
        return DiagnosisStep(id: id, title: title, status: .failed, detail: said,
                             fix: "Read the instance's sshd log (the sandbox console log) for the reason sshd gives, e.g. AllowUsers/DenyUsers or a forced command.")
    }
}

/// Firewall rule lines that drop or reject a TCP port.
enum FirewallRule {
    static func dropsPort(_ line: String, port: String) -> Bool {
        let tokens = line.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let matchesPort = zip(tokens, tokens.dropFirst()).contains { ($0 == "--dport" || $0 == "dport") && $1 == port }
        let drops = tokens.contains("drop") || tokens.contains("reject")
        return matchesPort && drops
    }
}

/// A TCP connection that reads the server's identification line.
enum TCPProbe {
    static func banner(host: String, port: Int, timeout: Int = 3) -> Result<String, DoctorFailure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return .failure(DoctorFailure("cannot resolve \(host)")) }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return .failure(DoctorFailure("no socket")) }
        defer { close(fd) }
        var interval = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            return .failure(DoctorFailure(String(cString: strerror(errno))))
        }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return .failure(DoctorFailure("connected, but nothing was said (\(count < 0 ? String(cString: strerror(errno)) : "closed"))")) }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        return .success(text.split(separator: "\r\n").first.map(String.init) ?? text)
    }
}
