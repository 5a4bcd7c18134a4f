/// The RFC 4716 "SSH2 public key" block, as written by `ssh-keygen -e`, PuTTYgen and commercial SSH:
///
///     ---- BEGIN SSH2 PUBLIC KEY ----
///     Comment: "2048-bit RSA, converted by me@host from OpenSSH"
///     AAAAB3NzaC1yc2EAAAADAQABAAABAQ…
///     ---- END SSH2 PUBLIC KEY ----
///
/// Headers are `Tag: value` lines before the body; a line ending in `\` continues on the next line.
/// A `Comment` header (quotes removed) becomes the key's comment; other headers are ignored.
enum RFC4716 {
    static let beginPrefix = "---- BEGIN SSH2 PUBLIC KEY"
    static let beginLine = "---- BEGIN SSH2 PUBLIC KEY ----"
    static let endLine = "---- END SSH2 PUBLIC KEY ----"

    static func parse(_ text: Substring) throws(PublicKeyParseError) -> PublicKey {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }
        guard lines.first == Substring(beginLine) else {
            throw .malformedRFC4716(reason: "the first line must be exactly \"\(beginLine)\"")
        }
        guard let end = lines.firstIndex(of: Substring(endLine)) else {
            throw .malformedRFC4716(reason: "the \"\(endLine)\" line is missing")
        }
        let after = lines[(end + 1)...].filter { !$0.isEmpty }
        if !after.isEmpty {
            let blocks = after.filter { $0.hasPrefix(beginPrefix) }.count
            if blocks > 0 { throw .multipleKeys(count: blocks + 1) }
            throw .malformedRFC4716(reason: "there is text after the END line")
        }

        var comment: String?
        var body = ""
        var index = 1
        while index < end {
            var line = String(lines[index])
            index += 1
            if body.isEmpty, line.contains(":") {
                while line.hasSuffix("\\") {
                    guard index < end else { throw .malformedRFC4716(reason: "a header continues into the END line") }
                    line.removeLast()
                    line += lines[index]
                    index += 1
                }
                let (tag, value) = try header(line)
                if tag.lowercased() == "comment" { comment = value }
            } else {
                body += line
            }
        }
        guard !body.isEmpty else { throw .malformedRFC4716(reason: "the block holds no key data") }
        guard let blob = decodeBase64(body) else { throw .invalidBase64 }
        return try PublicKey(validating: blob, declaredAlgorithm: nil, comment: comment)
    }

    /// Splits `Tag: value`; a value in double quotes loses them.
    private static func header(_ line: String) throws(PublicKeyParseError) -> (tag: String, value: String) {
        guard let colon = line.firstIndex(of: ":") else { throw .malformedRFC4716(reason: "a header has no ':'") }
        let tag = String(line[..<colon])
        guard !tag.isEmpty, tag.utf8.count <= 64, !tag.contains(where: { $0.isWhitespace }) else {
            throw .malformedRFC4716(reason: "the header tag \"\(printable(tag))\" is invalid")
        }
        var value = line[line.index(after: colon)...].trimmingWhitespace()
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            value = value.dropFirst().dropLast()
        }
        return (tag, String(value))
    }
}
