/// A node of a cloud-config document, with the file lines it spans so that findings can name the line a
/// password or a key is on.
struct YAMLNode: Sendable {
    enum Value: Sendable {
        case scalar(String)
        case mapping([Entry])
        case sequence([YAMLNode])
        case null
    }

    /// `key: value` in a mapping; `line` is the key's line.
    struct Entry: Sendable {
        let key: String
        let line: Int
        let value: YAMLNode

        /// From the key's line through the value's last line.
        var lines: ClosedRange<Int> { line...max(line, value.lines.upperBound) }
    }

    let value: Value
    /// The first and last file line of the node.
    let lines: ClosedRange<Int>
    /// A scalar's text line by line, each with the file line it came from: a block scalar's lines without
    /// their indentation (blank ones kept), a plain scalar's source lines, a quoted scalar split at its newlines.
    let scalarLines: [NumberedLine]

    var line: Int { lines.lowerBound }

    var scalar: String? {
        if case .scalar(let text) = value { return text }
        return nil
    }

    var entries: [Entry] {
        if case .mapping(let entries) = value { return entries }
        return []
    }

    var items: [YAMLNode] {
        if case .sequence(let items) = value { return items }
        return []
    }

    /// The entry for `key`; the last one when a key is repeated, as YAML loaders keep it.
    func entry(_ key: String) -> Entry? { entries.last { $0.key == key } }

    subscript(key: String) -> YAMLNode? { entry(key)?.value }

    static func null(_ line: Int) -> YAMLNode { YAMLNode(value: .null, lines: line...line, scalarLines: []) }
}

/// Quoted YAML scalars, shared by the block and the flow readers.
enum YAMLQuoted {
    /// A quoted scalar at the start of `text` and what follows its closing quote; nil when it is not closed.
    static func unquote(_ text: Substring) -> (value: String, rest: Substring)? {
        let characters = Array(text)
        guard let (value, end) = unquote(characters, from: 0) else { return nil }
        return (value, text.dropFirst(end))
    }

    /// The quoted scalar starting at `start` and the index after its closing quote; nil when it is not closed.
    /// Double quotes know `\"`, `\\`, `\n`, `\t`, `\r`, `\0`; single quotes know `''`.
    static func unquote(_ characters: [Character], from start: Int) -> (value: String, end: Int)? {
        guard start < characters.count, characters[start] == "\"" || characters[start] == "'" else { return nil }
        let quote = characters[start]
        var value = ""
        var index = start + 1
        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            if character == quote && quote == "'" && next == "'" {
                value.append("'")
                index += 2
            } else if character == quote {
                return (value, index + 1)
            } else if quote == "\"" && character == "\\", let escaped = next {
                let escapes: [Character: Character] = ["n": "\n", "t": "\t", "r": "\r", "0": "\0"]
                value.append(escapes[escaped] ?? escaped)
                index += 2
            } else {
                value.append(character)
                index += 1
            }
        }
        return nil
    }
}
