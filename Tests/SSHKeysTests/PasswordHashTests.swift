import Foundation
import SSHKeys
import Testing

@Suite struct PasswordHashTests {
    /// The test vectors of the SHA-512 crypt specification (checked against glibc's crypt(3)), and an empty password.
    static let vectors: [(password: String, salt: String, rounds: Int?, expected: String)] = [
        ("Hello world!", "saltstring", nil,
         "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
        ("Hello world!", "saltstringsaltstring", 10000,
         "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."),
        ("This is just a test", "toolongsaltstring", 5000,
         "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"),
        ("a very much longer text to encrypt.  This one even stretches over morethan one line.", "anotherlongsaltstring", 1400,
         "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"),
        ("we have a short salt string but not a short password", "short", 77777,
         "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"),
        ("the minimum number is still observed", "roundstoolow", 10,
         "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."),
        ("", "x", nil,
         "$6$x$QSmr1Bx2g4O6BzKvdkgOcyU6H91X6I/XBv5pSalMhSPkwdH6Beo3F455xZJg0v//bxVK5F4OE5k1.0xuR26MK0"),
    ]

    @Test(arguments: vectors)
    func specificationVectorsAreReproduced(password: String, salt: String, rounds: Int?, expected: String) {
        #expect(PasswordHash.sha512Crypt(password, salt: salt, rounds: rounds) == expected)
        #expect(PasswordHash.verify(password, against: expected))
    }

    /// The same hash as `openssl passwd -6` for passwords of every shape: short, with spaces, non-ASCII,
    /// shell metacharacters, longer than one SHA-512 block; salts short, exact and over-long (cut at 16).
    @Test func matchesOpenSSLPasswd() throws {
        let openssl = try Self.openssl()
        let passwords = ["a", "Secr3t!Pass", "correct horse battery staple", "pässwörd ünïcode", "quote'\"`$x\\", String(repeating: "Ab1!", count: 40)]
        let salts = ["x", "Ab.x/9zz", "0123456789abcdef", "abcdefghijklmnopqrstu"]
        for password in passwords {
            for salt in salts {
                let result = try Tools.run(openssl, ["passwd", "-6", "-salt", salt, password])
                guard result.status == 0 else { throw ToolError("openssl passwd -6 exited \(result.status): \(result.stderr)") }
                let expected = result.stdout.trimmingWhitespaceForTests()
                #expect(PasswordHash.sha512Crypt(password, salt: salt) == expected, "password \(password.debugDescription) salt \(salt)")
                #expect(PasswordHash.verify(password, against: expected))
            }
        }
    }

    @Test func randomSaltsAreSixteenCharactersOfTheCryptAlphabet() {
        let first = PasswordHash.sha512Crypt("pw")
        let second = PasswordHash.sha512Crypt("pw")
        #expect(first != second)
        for hash in [first, second] {
            let fields = hash.split(separator: "$", omittingEmptySubsequences: false)
            #expect(fields.count == 4)
            #expect(fields[1] == "6")
            #expect(fields[2].utf8.count == 16)
            #expect(fields[2].utf8.allSatisfy { PasswordHash.alphabet.contains($0) })
            #expect(fields[3].utf8.count == 86)
            #expect(PasswordHash.verify("pw", against: hash))
        }
    }

    @Test func verifyRefusesWrongPasswordsAndHashesThatCannotMatch() {
        let hash = PasswordHash.sha512Crypt("Right0ne!", salt: "abcdefgh")
        #expect(PasswordHash.verify("Right0ne!", against: hash))
        #expect(!PasswordHash.verify("right0ne!", against: hash))
        #expect(!PasswordHash.verify("Right0ne", against: hash))
        #expect(!PasswordHash.verify("Right0ne!", against: "*"))
        #expect(!PasswordHash.verify("Right0ne!", against: "!" + hash))
        #expect(!PasswordHash.verify("Right0ne!", against: ""))
        #expect(!PasswordHash.verify("Right0ne!", against: "$6$abcdefgh"))
        #expect(!PasswordHash.verify("Right0ne!", against: "$6$rounds=x$abcdefgh$" + hash.split(separator: "$").last!))
        #expect(!PasswordHash.verify("Right0ne!", against: String(hash.dropLast())))
        #expect(!PasswordHash.verify("Right0ne!", against: "$5$" + hash.dropFirst(3)))
    }

    @Test func verifyHonoursExplicitRounds() {
        let hash = PasswordHash.sha512Crypt("Right0ne!", salt: "abcdefgh", rounds: 2000)
        #expect(hash.hasPrefix("$6$rounds=2000$abcdefgh$"))
        #expect(PasswordHash.verify("Right0ne!", against: hash))
        let withoutRounds = hash.replacingOccurrences(of: "rounds=2000$", with: "")
        #expect(!PasswordHash.verify("Right0ne!", against: withoutRounds))
    }

    private static func openssl() throws -> String {
        for candidate in ["/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw ToolError("openssl was not found; install it (Debian: apt-get install openssl)")
    }
}
