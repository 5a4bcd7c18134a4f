import Crypto
import Foundation

/// The id a server records its sandbox instances under, so that servers sharing one database each manage their own.
public enum HostIdentity {
    /// Stable for one machine and data directory: the first 16 hex digits of SHA-256 over `/etc/machine-id` and the path.
    public static func derived(dataDirectory: String, machineIDPath: String = "/etc/machine-id") -> String {
        let machine = (try? String(contentsOfFile: machineIDPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let digest = SHA256.hash(data: Data((machine + "\u{0}" + dataDirectory).utf8))
        return "host-" + digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    public static func isValid(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
