import Foundation

/// One line of a file with its 1-based number in that file.
struct NumberedLine: Sendable, Hashable {
    let number: Int
    let text: String

    /// The lines of `bytes` (LF or CRLF), numbered from 1.
    static func lines(of bytes: [UInt8]) -> [NumberedLine] {
        ImageSnapshot.lines(of: bytes).enumerated().map { NumberedLine(number: $0.offset + 1, text: $0.element) }
    }
}

/// User data and cloud-config as cloud-init tells them apart: by their first bytes, not by their names.
enum UserData {
    /// What the first bytes of a file say it is.
    enum Kind: Sendable, Hashable {
        /// `#cloud-config` (or `#cloud-config-archive`), after an optional BOM, whitespace and a
        /// `## template: jinja` line.
        case cloudConfig
        /// A MIME message whose header block has `Content-Type: multipart/…`.
        case multipart
    }

    /// One piece of user data to examine, with the file line numbers of its lines.
    struct Part: Sendable, Hashable {
        enum Content: Sendable, Hashable {
            /// YAML cloud-config.
            case cloudConfig
            /// Any other text: a script, an include list, a boothook (the MIME type, or a short description).
            case text(String)
        }

        let content: Content
        let lines: [NumberedLine]
        /// A base64 part: its decoded lines all carry the number of the part's first line.
        var decoded = false
    }

    /// Recognises cloud-config and multipart user data from a file's first bytes (the capture pass's sniff).
    static func kind(ofHead head: [UInt8]) -> Kind? {
        kind(of: head[...])
    }

    private static func kind(of head: ArraySlice<UInt8>) -> Kind? {
        var bytes = head
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        bytes = bytes.drop(while: isWhitespace)
        if startsCaseInsensitive(bytes, with: "## template:") {
            bytes = bytes.drop { $0 != 0x0A }.drop(while: isWhitespace)
        }
        if bytes.starts(with: cloudConfigMarker) { return .cloudConfig }
        return headerBlockIsMultipart(bytes) ? .multipart : nil
    }

    /// The parts of a file's text to examine. A multipart message is split at its boundaries (nested multiparts
    /// too, base64 parts decoded: their lines all carry the number of the part's first line); other text is one
    /// part, cloud-config when it says so or when `assumeCloudConfig` (files in /etc/cloud) and it is no script.
    static func parts(of lines: [NumberedLine], assumeCloudConfig: Bool) -> [Part] {
        let head = Array(lines.prefix(64).map(\.text).joined(separator: "\n").utf8)
        switch kind(ofHead: head) {
        case .cloudConfig:
            return [Part(content: .cloudConfig, lines: lines)]
        case .multipart:
            return mimeParts(lines[...], depth: 0)
        case nil:
            let script = lines.first { !$0.text.allSatisfy(\.isWhitespace) }.map { isScript($0.text) } ?? false
            return [Part(content: assumeCloudConfig && !script ? .cloudConfig : .text("cloud-init file"), lines: lines)]
        }
    }

    // MARK: - MIME

    private static let maximumDepth = 4

    private static func mimeParts(_ lines: ArraySlice<NumberedLine>, depth: Int) -> [Part] {
        let (headers, body) = splitHeaders(lines)
        let type = headers["content-type"] ?? ""
        let mediaType = type.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
        if mediaType.hasPrefix("multipart/") {
            guard depth < maximumDepth, let boundary = parameter("boundary", in: type) else { return [] }
            return split(body, boundary: boundary).flatMap { mimeParts($0, depth: depth + 1) }
        }
        guard let first = body.first(where: { !$0.text.isEmpty }) ?? body.first else { return [] }
        var content = Array(body)
        let decoded = headers["content-transfer-encoding"]?.lowercased() == "base64"
        if decoded {
            let text = body.map(\.text).joined()
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else { return [] }
            content = ImageSnapshot.lines(of: [UInt8](data)).map { NumberedLine(number: first.number, text: $0) }
        }
        let sniffed = kind(ofHead: Array(content.prefix(8).map(\.text).joined(separator: "\n").utf8))
        if mediaType == "text/cloud-config" || sniffed == .cloudConfig {
            return [Part(content: .cloudConfig, lines: content, decoded: decoded)]
        }
        // Compressed or binary parts (gzip, octet-stream) are not text to read.
        guard mediaType.isEmpty || mediaType.hasPrefix("text/") else { return [] }
        let description = "user data part" + (mediaType.isEmpty ? "" : " (\(mediaType))")
        return [Part(content: .text(description), lines: content, decoded: decoded)]
    }

    /// Header fields (names lowercased, folded lines joined) and the body after the blank line. Lines that do not
    /// look like header fields end the header block: the part then has no headers.
    private static func splitHeaders(_ lines: ArraySlice<NumberedLine>) -> (headers: [String: String], body: ArraySlice<NumberedLine>) {
        var headers: [String: String] = [:]
        var last: String?
        var index = lines.startIndex
        while index < lines.endIndex {
            let text = lines[index].text
            if text.trimmingSpaces().isEmpty { return (headers, lines[(index + 1)...]) }
            if let first = text.first, first == " " || first == "\t", let name = last {
                headers[name, default: ""] += " " + text.trimmingSpaces()
            } else if let (name, value) = headerField(text) {
                headers[name] = value
                last = name
            } else {
                return (headers, lines[index...])
            }
            index += 1
        }
        return (headers, lines[lines.endIndex...])
    }

    private static func headerField(_ text: String) -> (String, String)? {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return nil }
        let name = text[text.startIndex..<colon]
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
        return (name.lowercased(), text[text.index(after: colon)...].trimmingSpaces())
    }

    /// `boundary="==x=="` or `boundary=x` from a Content-Type value.
    private static func parameter(_ name: String, in value: String) -> String? {
        for field in value.split(separator: ";").dropFirst() {
            let pair = field.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            let parameter = pair[1].trimmingQuotes()
            return parameter.isEmpty ? nil : parameter
        }
        return nil
    }

    /// The parts between `--boundary` lines, up to `--boundary--`.
    private static func split(_ body: ArraySlice<NumberedLine>, boundary: String) -> [ArraySlice<NumberedLine>] {
        let delimiter = "--" + boundary
        var parts: [ArraySlice<NumberedLine>] = []
        var start: Int?
        for index in body.indices {
            let text = body[index].text.trimmingSpaces()
            guard text == delimiter || text == delimiter + "--" else { continue }
            if let begin = start { parts.append(body[begin..<index]) }
            if text != delimiter { return parts }
            start = index + 1
        }
        if let begin = start { parts.append(body[begin...]) }
        return parts
    }

    // MARK: - Sniffing

    /// User data that cloud-init runs or fetches rather than reads as YAML.
    private static func isScript(_ line: String) -> Bool {
        ["#!", "#include", "#cloud-boothook", "#part-handler", "#upstart-job"].contains { line.trimmingSpaces().hasPrefix($0) }
    }

    private static let cloudConfigMarker = Array("#cloud-config".utf8)

    /// True when `bytes` open with MIME header fields, one of them `Content-Type: multipart/…`. Most files fail
    /// on their first byte or line, so the sniff costs little for the files of an image that are not user data.
    private static func headerBlockIsMultipart(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, (0x41...0x5A).contains(first) || (0x61...0x7A).contains(first) else { return false }
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.endIndex
            var line = bytes[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            start = end == bytes.endIndex ? end : end + 1
            if line.isEmpty { return false }
            if line.first == 0x20 || line.first == 0x09 { continue }
            let name = line.prefix(while: isTokenByte)
            guard !name.isEmpty, name.endIndex < line.endIndex, line[name.endIndex] == 0x3A else { return false }
            let value = line[(name.endIndex + 1)...].drop { $0 == 0x20 || $0 == 0x09 }
            if startsCaseInsensitive(line, with: "content-type:") && startsCaseInsensitive(value, with: "multipart/") { return true }
        }
        return false
    }

    /// A byte of a header field name: ASCII letter, digit or `-`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    private static func startsCaseInsensitive(_ bytes: ArraySlice<UInt8>, with prefix: String) -> Bool {
        let wanted = Array(prefix.lowercased().utf8)
        guard bytes.count >= wanted.count else { return false }
        return zip(bytes, wanted).allSatisfy { pair in
            let lowered = (0x41...0x5A).contains(pair.0) ? pair.0 + 0x20 : pair.0
            return lowered == pair.1
        }
    }
}
