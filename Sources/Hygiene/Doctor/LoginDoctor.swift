import Foundation
import Instances
import SSHKeys

/// Answers "why can't I log in with my key?" from the real system: runs the checklist in order and stops at
/// the first failing step, with its fix. The last step is a real login with the key.
public struct LoginDoctor: Sendable {
    public init() {}

    public static let stepOrder = [
        "key-authorized", "port-open", "sshd-listening", "sshd-config-valid", "strict-modes", "firewall", "tcp-wrappers",
        "pam-account", "boot-target", "publickey-offered", "login",
    ]

    public func diagnose(_ target: LoginTarget) -> [DiagnosisStep] {
        var steps: [DiagnosisStep] = []
        let context = DoctorContext(target: target)
        let checks: [(DoctorContext) -> DiagnosisStep] = [
            DoctorChecks.keyAuthorized, DoctorChecks.portOpen, DoctorChecks.sshdListening, DoctorChecks.sshdConfigValid,
            DoctorChecks.strictModes, DoctorChecks.firewall, DoctorChecks.tcpWrappers, DoctorChecks.pamAccount, DoctorChecks.bootTarget,
            DoctorChecks.publicKeyOffered, DoctorChecks.login,
        ]
        for check in checks {
            let step = check(context)
            steps.append(step)
            if step.status == .failed { break }
        }
        return steps
    }
}

/// What the checks share: the target, and facts read once.
final class DoctorContext: Sendable {
    let target: LoginTarget
    let publicKey: Result<PublicKey, DoctorFailure>
    let effectiveConfig: [String: [String]]?
    let accounts: GuestAccounts?

    init(target: LoginTarget) {
        self.target = target
        if target.privateKeyPath.isEmpty, let known = target.publicKey {
            self.publicKey = .success(known)
        } else {
            self.publicKey = Self.derivePublicKey(target.privateKeyPath)
        }
        if let root = target.root {
            self.effectiveConfig = try? GuestSSHD(guestRoot: root).effectiveConfiguration(user: target.user)
            self.accounts = try? GuestAccounts(guestRoot: root)
        } else {
            self.effectiveConfig = nil
            self.accounts = nil
        }
    }

    /// The first value of an effective sshd setting.
    func setting(_ keyword: String) -> String? { effectiveConfig?[keyword]?.first }

    /// A text file of the target, read inside its root (never through a guest link to a host file).
    func text(_ guestPath: String) -> String? {
        target.root.flatMap { GuestFiles.text(guestRoot: $0, path: guestPath) }
    }

    /// The root-relative path of a guest path.
    func hostPath(_ guestPath: String) -> String? {
        target.root.map { root in root == "/" ? guestPath : root + guestPath }
    }

    private static func derivePublicKey(_ path: String) -> Result<PublicKey, DoctorFailure> {
        let pubPath = path + ".pub"
        do {
            let result = try Command(Command.locate("ssh-keygen") ?? "/usr/bin/ssh-keygen", ["-y", "-P", "", "-f", path]).runBlocking()
            if result.succeeded {
                return .success(try PublicKey(parsing: result.output))
            }
            if let text = try? String(contentsOfFile: pubPath, encoding: .utf8) {
                return .success(try PublicKey(parsing: text))
            }
            return .failure(DoctorFailure("cannot read the private key \(path): \(result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))"))
        } catch {
            return .failure(DoctorFailure("cannot read the private key \(path): \(error)"))
        }
    }
}

struct DoctorFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
