/// The sshd settings Keyward writes, and where.
///
/// Both settings are needed to turn password login off: with PAM, keyboard-interactive authentication asks
/// for the same password and ignores `PasswordAuthentication`. sshd keeps the first value it reads for a
/// keyword, so the drop-in is named to sort first in `sshd_config.d`, and when it would not come first after
/// all, the same lines go into a marked block at the very top of `sshd_config`.
enum SSHDManagedConfig {
    static let mainConfig = "/etc/ssh/sshd_config"
    static let dropInDirectory = "/etc/ssh/sshd_config.d"
    static let dropInName = "00-keyward.conf"
    static let beginMarker = "# BEGIN keyward"
    static let endMarker = "# END keyward"
    /// Keywords whose first value decides whether a password logs in (`ChallengeResponseAuthentication` is
    /// OpenSSH's older name for `KbdInteractiveAuthentication`).
    static let passwordKeywords: Set<String> = ["passwordauthentication", "kbdinteractiveauthentication", "challengeresponseauthentication"]

    static func settings(passwordAuthentication: Bool) -> [String] {
        ["PasswordAuthentication \(passwordAuthentication ? "yes" : "no")", "KbdInteractiveAuthentication no"]
    }

    static func dropIn(passwordAuthentication: Bool) -> [UInt8] {
        let lines = [
            "# Managed by Keyward: rewritten whenever the instance's logon credentials are applied; edits here are lost.",
            "# sshd keeps the first value it reads for each keyword, so this file is named to sort first.",
        ] + settings(passwordAuthentication: passwordAuthentication)
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    static func block(passwordAuthentication: Bool) -> [[UInt8]] {
        let lines = ["\(beginMarker): managed by Keyward; sshd keeps the first value it reads, so these lines stay first."]
            + settings(passwordAuthentication: passwordAuthentication)
            + [endMarker]
        return lines.map { Array($0.utf8) }
    }

    /// `sshd_config` without Keyward's block. A block missing its end marker loses its begin line and the
    /// setting lines right after it.
    static func strippingBlock(_ text: TextLines) -> TextLines {
        var result = text
        let begin = Array(beginMarker.utf8)
        let end = Array(endMarker.utf8)
        while let start = result.lines.firstIndex(where: { $0.trimmingBlanks.starts(with: begin) }) {
            if let stop = result.lines[start...].firstIndex(where: { Array($0.trimmingBlanks) == end }) {
                result.lines.removeSubrange(start...stop)
            } else {
                var stop = start + 1
                while stop < result.lines.count, let keyword = SSHDConfigLine(result.lines[stop]).keyword,
                      passwordKeywords.contains(keyword) {
                    stop += 1
                }
                result.lines.removeSubrange(start..<stop)
            }
        }
        return result
    }
}

/// One line of an sshd configuration file: its keyword (lowercased) and arguments, as sshd splits them.
struct SSHDConfigLine {
    let keyword: String?
    let arguments: [String]

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes.trimmingBlanks, as: UTF8.self)
        guard let first = text.first, first != "#" else {
            keyword = nil
            arguments = []
            return
        }
        let keywordEnd = text.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "=" }) ?? text.endIndex
        keyword = text[..<keywordEnd].lowercased()
        var rest = text[keywordEnd...].drop(while: { $0 == " " || $0 == "\t" })
        if rest.first == "=" { rest = rest.dropFirst() }
        arguments = Self.split(rest)
    }

    /// Whitespace-separated words; single or double quotes group words; a word starting with `#` ends the line.
    private static func split(_ text: Substring) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            switch character {
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            case "\"", "'":
                quote = character
                inWord = true
            case "#" where !inWord:
                return words
            default:
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
