import Foundation

/// Edits of `/etc/shadow` lines: `name:password:lastchg:min:max:warn:inactive:expire:reserved`.
///
/// `lastchg` 0 means "must change the password at next login", which PAM enforces even for key logins
/// (without a TTY they fail), so an edited line never keeps a 0 there.
enum ShadowEdit {
    /// The field that locks an account's password: no hash, so nothing for a copy of the image to crack.
    static let locked = "*"

    /// Days since 1970-01-01 (UTC), the unit of `lastchg`.
    static func daysSinceEpoch(_ date: Date = Date()) -> Int {
        Int((date.timeIntervalSince1970 / 86400).rounded(.down))
    }

    /// The file with `user`'s password field set to `password`. `lastchg` becomes `today` when the password
    /// changes or was 0. A user without a line gets one appended.
    static func setting(password: String, of user: String, today: Int, in original: [UInt8]) -> [UInt8] {
        var text = TextLines(original)
        let name = Array(user.utf8)
        let newPassword = Array(password.utf8)
        let day = Array(String(today).utf8)
        var found = false
        for index in text.lines.indices {
            var fields = fieldsOf(text.lines[index])
            guard fields.first == name else { continue }
            found = true
            while fields.count < 3 { fields.append([]) }
            if fields[1] != newPassword {
                fields[1] = newPassword
                fields[2] = day
            } else if fields[2] == Array("0".utf8) {
                fields[2] = day
            }
            text.lines[index] = Array(fields.joined(separator: [UInt8(ascii: ":")]))
        }
        if !found {
            text.lines.append(Array("\(user):\(password):\(today):0:99999:7:::".utf8))
            text.endsWithNewline = true
        }
        return text.bytes
    }

    /// The file with every password locked except `keep`'s, and the names whose password was locked.
    /// Fields made only of `!` and `*` are already locked and stay as they are.
    static func lockingAll(except keep: String?, today: Int, in original: [UInt8]) -> (bytes: [UInt8], locked: [String]) {
        var text = TextLines(original)
        let kept = keep.map { Array($0.utf8) }
        let day = Array(String(today).utf8)
        var lockedUsers: [String] = []
        for index in text.lines.indices {
            var fields = fieldsOf(text.lines[index])
            guard fields.count >= 2, let name = fields.first, !name.isEmpty, name.first != UInt8(ascii: "#"), name != kept else { continue }
            let password = fields[1]
            let alreadyLocked = !password.isEmpty && password.allSatisfy { $0 == UInt8(ascii: "!") || $0 == UInt8(ascii: "*") }
            guard !alreadyLocked else { continue }
            fields[1] = Array(Self.locked.utf8)
            if fields.count > 2, fields[2] == Array("0".utf8) { fields[2] = day }
            text.lines[index] = Array(fields.joined(separator: [UInt8(ascii: ":")]))
            lockedUsers.append(String(decoding: name, as: UTF8.self))
        }
        return (text.bytes, lockedUsers)
    }

    private static func fieldsOf(_ line: [UInt8]) -> [[UInt8]] {
        line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { Array($0) }
    }
}
