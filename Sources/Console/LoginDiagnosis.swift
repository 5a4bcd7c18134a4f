import Dispatch
import Foundation
import Hygiene
import Instances
import SSHKeys

/// Runs the login doctor for the console, off the cooperative pool (it runs ssh and reads guest files).
enum LoginDiagnosis {
    enum Failure: Error, CustomStringConvertible {
        case badPublicKey(String)
        case scratch(String)

        var description: String {
            switch self {
            case .badPublicKey(let reason): "The bound key cannot be read: \(reason)"
            case .scratch(let reason): "The doctor could not prepare its work space: \(reason)"
            }
        }
    }

    /// With a private key (held in a 0600 file in a 0700 directory only while the doctor runs) the last step is a real
    /// login; with only the public key it checks every step but that.
    static func run(host: String, port: Int, publicKey: String?, privateKey: String?, root: LocalRoot?) async throws -> [DiagnosisStep] {
        let parsed: PublicKey?
        if let publicKey {
            do { parsed = try PublicKey(parsing: publicKey) } catch { throw Failure.badPublicKey("\(error)") }
        } else {
            parsed = nil
        }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try diagnose(host: host, port: port, publicKey: parsed, privateKey: privateKey, root: root))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func diagnose(host: String, port: Int, publicKey: PublicKey?, privateKey: String?, root: LocalRoot?) throws -> [DiagnosisStep] {
        guard let privateKey else {
            guard let publicKey else { return [] }
            return LoginDoctor().diagnose(LoginTarget(host: host, port: port, user: "root", publicKey: publicKey, root: root?.path,
                                                      networkNamespace: root?.networkNamespace))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyward-doctor-\(UUID().uuidString)").path
        guard mkdir(directory, 0o700) == 0 else { throw Failure.scratch(String(cString: strerror(errno))) }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/key"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw Failure.scratch(String(cString: strerror(errno))) }
        var text = privateKey.replacingOccurrences(of: "\r\n", with: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        let written = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        close(descriptor)
        guard written == text.utf8.count else { throw Failure.scratch("the key could not be written") }
        return LoginDoctor().diagnose(LoginTarget(host: host, port: port, user: "root", privateKeyPath: path, root: root?.path,
                                                  networkNamespace: root?.networkNamespace))
    }
}
