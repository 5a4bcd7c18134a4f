/// One directive of an sshd_config file: `Keyword value…` or `Keyword=value…`, keywords case-insensitive,
/// arguments split at whitespace with double quotes grouping, a `#` starting a token ending the line.
public struct SSHDConfigLine: Sendable, Hashable {
    /// Lowercased, aliases mapped (`challengeresponseauthentication` → `kbdinteractiveauthentication`).
    public let keyword: String
    /// The keyword as written.
    public let spelling: String
    public let arguments: [String]

    /// nil for blank and comment lines.
    public init?(_ raw: String) {
        let line = raw.trimmingSpaces()
        guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
        var index = line.startIndex
        while index < line.endIndex, !line[index].isWhitespace, line[index] != "=" {
            index = line.index(after: index)
        }
        let spelling = String(line[line.startIndex..<index])
        guard !spelling.isEmpty else { return nil }
        var rest = line[index...].drop { $0.isWhitespace }
        if rest.first == "=" { rest = rest.dropFirst().drop { $0.isWhitespace } }
        self.spelling = spelling
        self.keyword = SSHDEffectiveConfig.canonicalKeyword(spelling)
        self.arguments = Self.splitArguments(rest)
    }

    static func splitArguments(_ text: Substring) -> [String] {
        var arguments: [String] = []
        var current = ""
        var inQuotes = false
        var hasToken = false
        for character in text {
            if character == "\"" {
                inQuotes.toggle()
                hasToken = true
                continue
            }
            if character.isWhitespace && !inQuotes {
                if hasToken { arguments.append(current) }
                current = ""
                hasToken = false
                continue
            }
            if character == "#" && !inQuotes && !hasToken { break }
            current.append(character)
            hasToken = true
        }
        if hasToken { arguments.append(current) }
        return arguments
    }
}
