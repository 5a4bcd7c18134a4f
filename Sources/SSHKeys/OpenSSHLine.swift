import Foundation

/// The OpenSSH one-line form `<type> <base64 blob> [comment]`, as in `.pub` files and `authorized_keys`.
enum OpenSSHLine {
    /// Parses text holding one key line; blank lines and `#` comment lines around it are ignored.
    static func parse(_ text: Substring) throws(PublicKeyParseError) -> PublicKey {
        let lines = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let line = lines.first else { throw .empty }
        guard lines.count == 1 else {
            let keyLines = lines.filter { containsKey($0) }.count
            if keyLines > 1 { throw .multipleKeys(count: keyLines) }
            if keyLines == 0 { _ = try parseLine(line) }
            throw .lineBreakInKey
        }
        return try parseLine(line)
    }

    static func parseLine(_ line: Substring) throws(PublicKeyParseError) -> PublicKey {
        let (type, afterType) = splitFirstToken(line)
        guard KeyTypeName.isKnown(type) else { return try parseWithoutKnownType(line) }
        let (base64, afterBase64) = splitFirstToken(afterType)
        guard !base64.isEmpty else { throw .missingKeyData(algorithm: String(type)) }
        guard let blob = decodeBase64(base64) else { throw .invalidBase64 }
        let comment = afterBase64.trimmingWhitespace()
        let keys = 1 + countKeys(in: comment)
        guard keys == 1 else { throw .multipleKeys(count: keys) }
        return try PublicKey(validating: blob, declaredAlgorithm: String(type), comment: comment.isEmpty ? nil : String(comment))
    }

    /// A line not starting with a key type: options in front of a key, a bare base64 blob, or something else.
    private static func parseWithoutKnownType(_ line: Substring) throws(PublicKeyParseError) -> PublicKey {
        let (options, afterOptions) = splitOptions(line)
        let (next, _) = splitFirstToken(afterOptions)
        if KeyTypeName.isKnown(next) || looksLikeOptions(options) {
            throw .authorizedKeysOptions(printable(options))
        }
        let (first, rest) = splitFirstToken(line)
        if rest.trimmingWhitespace().isEmpty, let blob = decodeBase64(first) {
            // Only the base64 field was pasted; accept it when it starts with a known type name.
            var peek = SSHWireReader(blob)
            if let name = try? peek.readString(), let text = decodeUTF8(name), KeyTypeName.isKnown(text) {
                return try PublicKey(validating: blob, declaredAlgorithm: nil, comment: nil)
            }
        }
        throw .unknownKeyType(printable(first))
    }

    /// The leading token and what follows it, split at whitespace.
    static func splitFirstToken(_ text: Substring) -> (token: Substring, rest: Substring) {
        let start = text.firstIndex(where: { !$0.isWhitespace }) ?? text.endIndex
        let end = text[start...].firstIndex(where: { $0.isWhitespace }) ?? text.endIndex
        return (text[start..<end], text[end...])
    }

    /// Splits off an `authorized_keys` options field the way sshd reads it: up to the first
    /// whitespace outside double quotes, where `\"` inside quotes does not end the quote.
    static func splitOptions(_ line: Substring) -> (options: Substring, rest: Substring) {
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if !inQuotes && character.isWhitespace { break }
            if character == "\"" {
                inQuotes.toggle()
            } else if inQuotes && character == "\\" {
                let next = line.index(after: index)
                if next < line.endIndex && line[next] == "\"" { index = next }
            }
            index = line.index(after: index)
        }
        return (line[..<index], line[index...])
    }

    /// Option names sshd accepts in front of a key (sshd(8), AUTHORIZED_KEYS FILE FORMAT).
    private static let optionNames: Set<String> = [
        "agent-forwarding", "cert-authority", "command", "environment", "expiry-time", "from", "no-agent-forwarding",
        "no-port-forwarding", "no-pty", "no-touch-required", "no-user-rc", "no-x11-forwarding", "permitlisten",
        "permitopen", "port-forwarding", "principals", "pty", "restrict", "tunnel", "user-rc", "verify-required",
        "x11-forwarding",
    ]

    private static func looksLikeOptions(_ field: Substring) -> Bool {
        field.split(separator: ",").contains { option in
            optionNames.contains(option.prefix(while: { $0 != "=" }).lowercased())
        }
    }

    /// True when the line has a key type name followed by another token.
    private static func containsKey(_ line: Substring) -> Bool {
        let tokens = line.split(whereSeparator: { $0.isWhitespace })
        return tokens.indices.dropLast().contains { KeyTypeName.isKnown(tokens[$0]) }
    }

    /// Further `<type> <base64>` pairs inside what would be the comment.
    private static func countKeys(in comment: Substring) -> Int {
        let tokens = comment.split(whereSeparator: { $0.isWhitespace })
        return tokens.indices.dropLast().filter { KeyTypeName.isKnown(tokens[$0]) && decodeBase64(tokens[$0 + 1]) != nil }.count
    }
}

/// Strict base64 (padding required, no whitespace); nil for invalid or empty input.
func decodeBase64(_ text: some StringProtocol) -> [UInt8]? {
    guard !text.isEmpty, let data = Data(base64Encoded: String(text)), !data.isEmpty else { return nil }
    return [UInt8](data)
}
