/// The YAML of cloud-config files, read without a YAML library: block mappings and sequences by indentation,
/// flow collections (`{…}`, `[…]`, also over several lines), plain and quoted scalars, literal and folded block
/// scalars. Anchors and tags are skipped, aliases stay unresolved text. Reading never fails: what it does not
/// understand becomes a scalar or is skipped, and nesting deeper than ``maximumDepth`` is not descended into.
struct CloudConfigDocument: Sendable {
    static let maximumDepth = 48

    /// The top-level node; several top-level mappings (documents split by `---`) are merged.
    let root: YAMLNode?

    init(lines: [NumberedLine]) {
        var parser = BlockParser(lines)
        root = parser.document()
    }
}

/// Indentation-driven reading of block structure; flow collections go to ``YAMLFlowParser``.
private struct BlockParser {
    struct Line {
        let number: Int
        let indent: Int
        /// The text after the indentation.
        let content: Substring
    }

    var lines: [Line]
    var index = 0

    init(_ numbered: [NumberedLine]) {
        lines = numbered.map { line in
            let text = line.text.hasPrefix("\u{FEFF}") ? String(line.text.dropFirst()) : line.text
            let content = text.drop { $0 == " " || $0 == "\t" }
            return Line(number: line.number, indent: text.count - content.count, content: content)
        }
        if let end = lines.firstIndex(where: { $0.indent == 0 && $0.content.trimmingSpaces() == "..." }) {
            lines.removeSubrange(end...)
        }
    }

    mutating func document() -> YAMLNode? {
        var nodes: [YAMLNode] = []
        while skipInsignificant() {
            let start = index
            if let node = node(minimumIndent: lines[index].indent, depth: 0) { nodes.append(node) }
            if index == start { index += 1 }
        }
        guard let first = nodes.first else { return nil }
        guard nodes.count > 1, nodes.allSatisfy({ if case .mapping = $0.value { true } else { false } }) else { return first }
        let span = first.lines.lowerBound...(nodes.map(\.lines.upperBound).max() ?? first.lines.upperBound)
        return YAMLNode(value: .mapping(nodes.flatMap(\.entries)), lines: span, scalarLines: [])
    }

    /// Moves past blank lines, comments and `---`; false at the end.
    private mutating func skipInsignificant() -> Bool {
        while index < lines.count {
            let line = lines[index]
            let marker = line.indent == 0 && (line.content == "---" || line.content.hasPrefix("--- #"))
            guard line.content.isEmpty || line.content.hasPrefix("#") || marker else { return true }
            index += 1
        }
        return false
    }

    private mutating func node(minimumIndent: Int, depth: Int) -> YAMLNode? {
        guard skipInsignificant(), lines[index].indent >= minimumIndent else { return nil }
        let line = lines[index]
        if depth >= CloudConfigDocument.maximumDepth { return skipNested(indent: line.indent) }
        if Self.isSequenceItem(line.content) { return sequence(indent: line.indent, depth: depth) }
        if Self.splitKey(line.content) != nil { return mapping(indent: line.indent, depth: depth) }
        index += 1
        return value(line.content, line: line.number, parentIndent: line.indent - 1, inMapping: false, depth: depth)
    }

    private mutating func skipNested(indent: Int) -> YAMLNode {
        let first = lines[index].number
        var last = first
        while index < lines.count && (lines[index].content.isEmpty || lines[index].indent >= indent) {
            last = lines[index].number
            index += 1
        }
        return YAMLNode(value: .null, lines: first...last, scalarLines: [])
    }

    private mutating func sequence(indent: Int, depth: Int) -> YAMLNode {
        var items: [YAMLNode] = []
        let first = lines[index].number
        var last = first
        while skipInsignificant(), lines[index].indent == indent, Self.isSequenceItem(lines[index].content) {
            let line = lines[index]
            let afterDash = line.content.dropFirst()
            let rest = afterDash.drop { $0 == " " || $0 == "\t" }
            let item: YAMLNode
            if rest.isEmpty || rest.hasPrefix("#") {
                index += 1
                item = node(minimumIndent: indent + 1, depth: depth + 1) ?? .null(line.number)
            } else {
                // `- name: root` opens a mapping at the column of `name`; reread the line from there.
                lines[index] = Line(number: line.number, indent: indent + 1 + afterDash.count - rest.count, content: rest)
                item = node(minimumIndent: lines[index].indent, depth: depth + 1) ?? .null(line.number)
            }
            items.append(item)
            last = max(last, item.lines.upperBound)
        }
        return YAMLNode(value: .sequence(items), lines: first...last, scalarLines: [])
    }

    private mutating func mapping(indent: Int, depth: Int) -> YAMLNode {
        var entries: [YAMLNode.Entry] = []
        let first = lines[index].number
        var last = first
        while skipInsignificant(), lines[index].indent == indent, !Self.isSequenceItem(lines[index].content),
              let (key, rest) = Self.splitKey(lines[index].content) {
            let line = lines[index]
            index += 1
            let node = value(rest, line: line.number, parentIndent: indent, inMapping: true, depth: depth + 1)
            entries.append(YAMLNode.Entry(key: key, line: line.number, value: node))
            last = max(last, node.lines.upperBound)
        }
        return YAMLNode(value: .mapping(entries), lines: first...last, scalarLines: [])
    }

    /// The value after `key:` or `- ` on `line`; nested blocks must be indented deeper than `parentIndent`
    /// (a mapping's sequence may also stand at the key's own indentation).
    private mutating func value(_ raw: Substring, line: Int, parentIndent: Int, inMapping: Bool, depth: Int) -> YAMLNode {
        let text = Self.withoutProperties(raw)
        guard let first = text.first, first != "#" else {
            guard skipInsignificant() else { return .null(line) }
            let next = lines[index]
            if next.indent > parentIndent { return node(minimumIndent: parentIndent + 1, depth: depth) ?? .null(line) }
            if inMapping && next.indent == parentIndent && Self.isSequenceItem(next.content) {
                return sequence(indent: parentIndent, depth: depth)
            }
            return .null(line)
        }
        if (first == "|" || first == ">") && Self.isBlockHeader(text) {
            return blockScalar(text, line: line, parentIndent: parentIndent)
        }
        if first == "{" || first == "[" { return flow(text, line: line, parentIndent: parentIndent, depth: depth) }
        if first == "\"" || first == "'" { return quoted(text, line: line, parentIndent: parentIndent) }
        var parts = [NumberedLine(number: line, text: Self.withoutComment(text))]
        // A plain scalar continues on deeper-indented lines (YAML folds them with spaces).
        while index < lines.count, lines[index].indent > parentIndent, !lines[index].content.isEmpty, !lines[index].content.hasPrefix("#") {
            parts.append(NumberedLine(number: lines[index].number, text: Self.withoutComment(lines[index].content)))
            index += 1
        }
        let span = line...(parts.last?.number ?? line)
        return YAMLNode(value: .scalar(parts.map(\.text).joined(separator: " ")), lines: span, scalarLines: parts)
    }

    /// `|`, `|-`, `>+2`…: the deeper-indented lines that follow, indentation removed.
    private mutating func blockScalar(_ header: Substring, line: Int, parentIndent: Int) -> YAMLNode {
        var contentIndent = header.first { $0.isNumber }?.wholeNumberValue.map { parentIndent + max(1, $0) }
        var collected: [NumberedLine] = []
        var last = line
        while index < lines.count {
            let current = lines[index]
            if current.content.isEmpty {
                collected.append(NumberedLine(number: current.number, text: ""))
                index += 1
                continue
            }
            let required = contentIndent ?? (parentIndent + 1)
            guard current.indent >= required else { break }
            if contentIndent == nil { contentIndent = current.indent }
            let extra = String(repeating: " ", count: current.indent - (contentIndent ?? current.indent))
            collected.append(NumberedLine(number: current.number, text: extra + current.content))
            last = current.number
            index += 1
        }
        while collected.last?.text.isEmpty == true { collected.removeLast() }
        let separator = header.first == ">" ? " " : "\n"
        return YAMLNode(value: .scalar(collected.map(\.text).joined(separator: separator)), lines: line...last, scalarLines: collected)
    }

    private mutating func quoted(_ text: Substring, line: Int, parentIndent: Int) -> YAMLNode {
        var source = String(text)
        var last = line
        // A quoted scalar may go on over deeper-indented lines; bounded so that a stray quote cannot swallow a file.
        while YAMLQuoted.unquote(source[...]) == nil, index < lines.count, lines[index].indent > parentIndent || lines[index].content.isEmpty,
              last - line < 200 {
            source += " " + lines[index].content
            last = lines[index].number
            index += 1
        }
        let value = YAMLQuoted.unquote(source[...])?.value ?? String(source.dropFirst())
        let parts = value.split(separator: "\n", omittingEmptySubsequences: false).map { NumberedLine(number: line, text: String($0)) }
        return YAMLNode(value: .scalar(value), lines: line...last, scalarLines: parts)
    }

    private mutating func flow(_ text: Substring, line: Int, parentIndent: Int, depth: Int) -> YAMLNode {
        var characters: [Character] = []
        var numbers: [Int] = []
        var balance = YAMLFlowBalance()
        func append(_ text: Substring, _ number: Int) {
            let kept = Self.withoutComment(text) + " "
            balance.feed(kept)
            characters.append(contentsOf: kept)
            numbers.append(contentsOf: repeatElement(number, count: kept.count))
        }
        append(text, line)
        while !balance.isClosed, index < lines.count, lines[index].indent > parentIndent || lines[index].content.isEmpty,
              lines[index].number - line < 1000 {
            append(lines[index].content, lines[index].number)
            index += 1
        }
        var parser = YAMLFlowParser(characters: characters, numbers: numbers)
        return parser.node(depth: depth)
    }

    // MARK: - Line shapes

    static func isSequenceItem(_ content: Substring) -> Bool {
        content == "-" || content.hasPrefix("- ") || content.hasPrefix("-\t")
    }

    /// `key: rest` or `key:`, with plain or quoted keys; nil when the line is not a mapping entry.
    static func splitKey(_ content: Substring) -> (String, Substring)? {
        guard let first = content.first, !"{[#|>%@`".contains(first) else { return nil }
        if first == "\"" || first == "'" {
            guard let (key, rest) = YAMLQuoted.unquote(content) else { return nil }
            let after = rest.drop { $0 == " " || $0 == "\t" }
            guard after.first == ":" else { return nil }
            let value = after.dropFirst()
            guard value.isEmpty || value.first == " " || value.first == "\t" else { return nil }
            return (key, value.drop { $0 == " " || $0 == "\t" })
        }
        var index = content.startIndex
        while index < content.endIndex {
            let character = content[index]
            let next = content.index(after: index)
            if character == "#" && index > content.startIndex && " \t".contains(content[content.index(before: index)]) { return nil }
            if character == ":" && (next == content.endIndex || content[next] == " " || content[next] == "\t") {
                let key = content[content.startIndex..<index].trimmingSpaces()
                return key.isEmpty ? nil : (key, content[next...].drop { $0 == " " || $0 == "\t" })
            }
            index = next
        }
        return nil
    }

    static func isBlockHeader(_ text: Substring) -> Bool {
        let indicators = text.dropFirst().prefix { "+-0123456789".contains($0) }
        let rest = text.dropFirst(1 + indicators.count).trimmingSpaces()
        return rest.isEmpty || rest.hasPrefix("#")
    }

    /// Without leading `&anchor` and `!tag` properties.
    static func withoutProperties(_ text: Substring) -> Substring {
        var text = text.drop { $0 == " " || $0 == "\t" }
        while let first = text.first, first == "&" || first == "!" {
            text = text.drop { $0 != " " && $0 != "\t" }.drop { $0 == " " || $0 == "\t" }
        }
        return text
    }

    /// A plain scalar without its ` # comment` and trailing spaces.
    static func withoutComment(_ text: Substring) -> String {
        var previous: Character = " "
        for index in text.indices {
            if text[index] == "#" && (previous == " " || previous == "\t") { return text[text.startIndex..<index].trimmingSpaces() }
            previous = text[index]
        }
        return text.trimmingSpaces()
    }
}
