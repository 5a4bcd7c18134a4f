import ArgumentParser
import Foundation
import Hygiene

/// `keyward doctor`: "I can't log in with my SSH key", answered from the real system.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Find why a key login fails: runs the checklist in order and stops at the first failing step, with its fix."
    )

    @Option(help: "Host or address of the instance.")
    var host: String

    @Option(help: "SSH port.")
    var port = 22

    @Option(help: "User to log in as.")
    var user = "root"

    @Option(name: .customLong("key"), help: "The private key file.")
    var key: String

    @Option(help: "The instance's root filesystem (/ on the instance itself, or a sandbox root), for the checks that read files.")
    var root: String?

    @Option(help: "The network namespace the instance runs in (kw-<instance-id> for sandboxes), for the firewall check.")
    var netns: String?

    @Option(help: "Output: text or json.")
    var format = "text"

    func run() throws {
        let target = LoginTarget(host: host, port: port, user: user, privateKeyPath: key, root: root, networkNamespace: netns)
        let steps = LoginDoctor().diagnose(target)
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(steps))
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            for (index, step) in steps.enumerated() {
                let mark = switch step.status {
                case .passed: "ok  "
                case .failed: "FAIL"
                case .skipped: "skip"
                }
                print("\(index + 1). [\(mark)] \(step.title): \(step.detail)")
                if let fix = step.fix, step.status == .failed { print("   fix: \(fix)") }
            }
        }
        if steps.contains(where: { $0.status == .failed }) { throw ExitCode(1) }
    }
}
