import Crypto
import Foundation

/// Password hashes in the crypt(3) format that `/etc/shadow`, PAM and sshd read.
///
/// `sha512Crypt` is glibc's SHA-512 crypt (`$6$`, Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"):
/// the same output as `openssl passwd -6` and `mkpasswd -m sha-512` for the same salt and rounds.
public enum PasswordHash {
    /// The characters crypt salts and hash text are written with.
    public static let alphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Rounds used when none are given (and then not written into the hash).
    public static let defaultRounds = 5000
    /// The range explicit rounds are clamped to, as the specification requires.
    public static let roundsRange = 1000...999_999_999

    /// The `$6$[rounds=N$]salt$hash` crypt hash of `password`.
    ///
    /// - Parameters:
    ///   - salt: up to 16 bytes are used, ending at the first `$`; a random 16-character salt from
    ///     ``alphabet`` when nil.
    ///   - rounds: written into the hash when given (even 5000), clamped to ``roundsRange``.
    public static func sha512Crypt(_ password: String, salt: String? = nil, rounds: Int? = nil) -> String {
        let saltBytes = Array((salt ?? randomSalt()).utf8.prefix(while: { $0 != UInt8(ascii: "$") }).prefix(16))
        let clamped = rounds.map { min(max($0, roundsRange.lowerBound), roundsRange.upperBound) }
        let digest = sha512CryptDigest(password: Array(password.utf8), salt: saltBytes, rounds: clamped ?? defaultRounds)
        var result = "$6$"
        if let clamped { result += "rounds=\(clamped)$" }
        return result + String(decoding: saltBytes, as: UTF8.self) + "$" + encode(digest)
    }

    /// Whether `password` produces `hash`, a `$6$` crypt hash. Other hash kinds, locked (`*`, `!…`) and
    /// malformed hashes never match. The comparison takes the same time wherever the first difference is.
    public static func verify(_ password: String, against hash: String) -> Bool {
        guard hash.hasPrefix("$6$") else { return false }
        var rest = hash.dropFirst(3)
        var rounds: Int?
        if rest.hasPrefix("rounds=") {
            let afterKey = rest.dropFirst("rounds=".count)
            guard let end = afterKey.firstIndex(of: "$"), let value = Int(afterKey[..<end]), value > 0 else { return false }
            rounds = value
            rest = afterKey[afterKey.index(after: end)...]
        }
        guard let saltEnd = rest.firstIndex(of: "$") else { return false }
        let computed = sha512Crypt(password, salt: String(rest[..<saltEnd]), rounds: rounds)
        return constantTimeEqual(Array(computed.utf8), Array(hash.utf8))
    }

    /// A random 16-character salt from ``alphabet``.
    public static func randomSalt() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - The algorithm (steps numbered as in the specification)

    static func sha512CryptDigest(password: [UInt8], salt: [UInt8], rounds: Int) -> [UInt8] {
        // Steps 4–8: digest B = SHA512(password ‖ salt ‖ password).
        let digestB = sha512([password, salt, password])

        // Steps 1–3, 9–12: digest A.
        var contextA = SHA512()
        contextA.update(data: password)
        contextA.update(data: salt)
        var remaining = password.count
        while remaining > 64 {
            contextA.update(data: digestB)
            remaining -= 64
        }
        contextA.update(data: Array(digestB.prefix(remaining)))
        var bits = password.count
        while bits > 0 {
            contextA.update(data: bits & 1 != 0 ? digestB : password)
            bits >>= 1
        }
        let digestA = Array(contextA.finalize())

        // Steps 13–16: byte sequence P, from digest DP = SHA512(password repeated password.count times).
        let digestDP = sha512(Array(repeating: password, count: password.count))
        var sequenceP: [UInt8] = []
        sequenceP.reserveCapacity(password.count)
        while sequenceP.count < password.count {
            sequenceP += digestDP.prefix(password.count - sequenceP.count)
        }

        // Steps 17–20: byte sequence S, from digest DS = SHA512(salt repeated 16 + A[0] times).
        let digestDS = sha512(Array(repeating: salt, count: 16 + Int(digestA[0])))
        let sequenceS = Array(digestDS.prefix(salt.count))

        // Step 21: the rounds.
        var digestC = digestA
        for round in 0..<rounds {
            var context = SHA512()
            context.update(data: round & 1 != 0 ? sequenceP : digestC)
            if round % 3 != 0 { context.update(data: sequenceS) }
            if round % 7 != 0 { context.update(data: sequenceP) }
            context.update(data: round & 1 != 0 ? digestC : sequenceP)
            digestC = Array(context.finalize())
        }
        return digestC
    }

    private static func sha512(_ parts: [[UInt8]]) -> [UInt8] {
        var context = SHA512()
        for part in parts { context.update(data: part) }
        return Array(context.finalize())
    }

    /// Step 22: the digest's bytes in the specification's order, 24 bits to 4 characters, low bits first.
    static func encode(_ digest: [UInt8]) -> String {
        precondition(digest.count == 64, "a SHA-512 digest is 64 bytes")
        let groups: [(Int, Int, Int)] = [
            (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
            (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13),
            (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41),
        ]
        var output: [UInt8] = []
        output.reserveCapacity(86)
        func append(_ high: UInt8, _ middle: UInt8, _ low: UInt8, count: Int) {
            var word = UInt32(high) << 16 | UInt32(middle) << 8 | UInt32(low)
            for _ in 0..<count {
                output.append(alphabet[Int(word & 0x3F)])
                word >>= 6
            }
        }
        for (high, middle, low) in groups {
            append(digest[high], digest[middle], digest[low], count: 4)
        }
        append(0, 0, digest[63], count: 2)
        return String(decoding: output, as: UTF8.self)
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
