/// Whether the flow collection read so far is closed, kept line by line as lines are added to it.
struct YAMLFlowBalance {
    private var depth = 0
    private var quote: Character?
    private var previous: Character = " "

    var isClosed: Bool { depth <= 0 && quote == nil }

    mutating func feed(_ text: String) {
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if (character == "\"" || character == "'") && "[{,: ".contains(previous) {
                // A quote opens a scalar only where one starts; `it's` in a plain scalar is just a letter.
                quote = character
            } else if character == "{" || character == "[" {
                depth += 1
            } else if character == "}" || character == "]" {
                depth -= 1
            }
            previous = character
        }
    }
}

/// Flow collections, `{name: root, password: x}` and `[a, "b"]`, over characters that keep their line numbers.
struct YAMLFlowParser {
    let characters: [Character]
    let numbers: [Int]
    var index = 0

    init(characters: [Character], numbers: [Int]) {
        self.characters = characters
        self.numbers = numbers
    }

    mutating func node(depth: Int) -> YAMLNode {
        skipSpaces()
        guard index < characters.count else { return .null(numbers.last ?? 1) }
        let start = index
        let line = numbers[index]
        let opener = characters[index]
        if (opener == "{" || opener == "[") && depth >= CloudConfigDocument.maximumDepth {
            skipBalanced()
            return .null(line)
        }
        switch opener {
        case "{":
            index += 1
            var entries: [YAMLNode.Entry] = []
            while let key = nextKey(closer: "}") {
                let keyLine = numbers[min(index, numbers.count - 1)]
                skipSpaces()
                var value = YAMLNode.null(keyLine)
                if index < characters.count && characters[index] == ":" {
                    index += 1
                    value = atSeparator(closer: "}") ? .null(keyLine) : node(depth: depth + 1)
                }
                entries.append(YAMLNode.Entry(key: key.text, line: key.line, value: value))
                skipSeparator()
            }
            return YAMLNode(value: .mapping(entries), lines: line...lastLine(from: start), scalarLines: [])
        case "[":
            index += 1
            var items: [YAMLNode] = []
            while skipSpaces(), index < characters.count, characters[index] != "]" {
                let before = index
                items.append(node(depth: depth + 1))
                skipSeparator()
                if index == before { index += 1 }
            }
            if index < characters.count { index += 1 }
            return YAMLNode(value: .sequence(items), lines: line...lastLine(from: start), scalarLines: [])
        default:
            let text = scalar(stopAtColon: false)
            let parts = text.split(separator: "\n", omittingEmptySubsequences: false).map { NumberedLine(number: line, text: String($0)) }
            return YAMLNode(value: .scalar(text), lines: line...line, scalarLines: parts)
        }
    }

    /// The next key of a flow mapping, or nil at its closing brace (which is consumed).
    private mutating func nextKey(closer: Character) -> (text: String, line: Int)? {
        skipSpaces()
        guard index < characters.count else { return nil }
        if characters[index] == closer {
            index += 1
            return nil
        }
        let line = numbers[index]
        let before = index
        let key = scalar(stopAtColon: true)
        if index == before { index += 1 }
        return (key, line)
    }

    /// A quoted or plain scalar; plain ones end at `,`, `]`, `}` and, for keys, at `: `.
    private mutating func scalar(stopAtColon: Bool) -> String {
        skipSpaces()
        if let (value, end) = YAMLQuoted.unquote(characters, from: index) {
            index = end
            return value
        }
        var text = ""
        while index < characters.count {
            let character = characters[index]
            if character == "," || character == "]" || character == "}" { break }
            if character == ":" && stopAtColon {
                let next = index + 1 < characters.count ? characters[index + 1] : " "
                if next == " " || next == "," || next == "}" || next == "]" { break }
            }
            text.append(character)
            index += 1
        }
        return text.trimmingSpaces()
    }

    private func atSeparator(closer: Character) -> Bool {
        var probe = index
        while probe < characters.count && characters[probe] == " " { probe += 1 }
        return probe >= characters.count || characters[probe] == "," || characters[probe] == closer
    }

    private mutating func skipSeparator() {
        skipSpaces()
        if index < characters.count && characters[index] == "," { index += 1 }
    }

    @discardableResult
    private mutating func skipSpaces() -> Bool {
        while index < characters.count && (characters[index] == " " || characters[index] == "\t") { index += 1 }
        return true
    }

    private mutating func skipBalanced() {
        var depth = 0
        repeat {
            let character = characters[index]
            if character == "{" || character == "[" { depth += 1 }
            if character == "}" || character == "]" { depth -= 1 }
            index += 1
        } while index < characters.count && depth > 0
    }

    private func lastLine(from start: Int) -> Int {
        numbers[max(start, min(index, numbers.count) - 1)]
    }
}
