import Foundation
import Hygiene
import Instances
import SSHKeys

/// Runs the login doctor for the console, off the cooperative pool (it runs ssh and reads guest files).
enum LoginDiagnosis {
    enum Failure: Error, Sendable, CustomStringConvertible {
        case badPublicKey(String)
        case scratch(String)

        var description: String {
            switch self {
            case .badPublicKey(let reason): "The bound key cannot be read: \(reason)"
            case .scratch(let reason): "The doctor could not prepare its work space: \(reason)"
            }
        }
    }

    /// With a private key (held in a 0600 file in a 0700 directory on tmpfs only while the doctor runs) the last step is a real
    /// login; with only the public key it checks every step but that.
    static func run(host: String, port: Int, publicKey: String?, privateKey: String?, root: LocalRoot?) async throws -> [DiagnosisStep] {
        let parsed: PublicKey?
        if privateKey == nil, let publicKey {
            do { parsed = try PublicKey(parsing: publicKey) } catch { throw Failure.badPublicKey("\(error)") }
        } else {
            parsed = nil
        }
        return try await Offload.run { () throws(Failure) in
            try diagnose(host: host, port: port, publicKey: parsed, privateKey: privateKey, root: root)
        }
    }

    private static func diagnose(host: String, port: Int, publicKey: PublicKey?, privateKey: String?, root: LocalRoot?) throws(Failure) -> [DiagnosisStep] {
        guard let privateKey else {
            guard let publicKey else { return [] }
            return LoginDoctor().diagnose(LoginTarget(host: host, port: port, user: "root", publicKey: publicKey, root: root?.path,
                                                      networkNamespace: root?.networkNamespace))
        }
        // In memory where the host has it (tmpfs), so the key never reaches a disk.
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : FileManager.default.temporaryDirectory.path
        let directory = base + "/keyward-doctor-\(UUID().uuidString)"
        guard mkdir(directory, 0o700) == 0 else { throw Failure.scratch(String(cString: strerror(errno))) }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/key"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw Failure.scratch(String(cString: strerror(errno))) }
        var text = privateKey.replacingOccurrences(of: "\r\n", with: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { close(descriptor); throw Failure.scratch("the key could not be written") }
            bytes = bytes.dropFirst(written)
        }
        close(descriptor)
        return LoginDoctor().diagnose(LoginTarget(host: host, port: port, user: "root", privateKeyPath: path, root: root?.path,
                                                  networkNamespace: root?.networkNamespace))
    }
}
