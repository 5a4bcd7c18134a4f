import Instances
import SSHKeys

/// Password hashes as Keyward stores them (instance passwords in `/etc/shadow`, console passwords): SHA-512 crypt at
/// `rounds`, computed on a Dispatch thread so that a hash never holds a thread of the cooperative pool.
enum PasswordHashing {
    /// 20 times crypt's default of 5,000: each guess at a stolen hash costs as much more, and a login (sshd, PAM, the
    /// console) verifies it once.
    static let rounds = 100_000

    static func hash(_ password: String) async -> String {
        await Offload.run { PasswordHash.sha512Crypt(password, rounds: rounds) }
    }

    static func verify(_ password: String, against hash: String) async -> Bool {
        await Offload.run { PasswordHash.verify(password, against: hash) }
    }
}
