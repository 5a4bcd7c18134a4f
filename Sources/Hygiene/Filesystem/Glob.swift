/// Shell wildcard matching of one path component, as glob(3) does it for sshd's `Include`:
/// `*`, `?`, `[abc]`, `[a-z]`, `[!abc]`, backslash escapes; a leading `.` is matched only by a literal `.`.
enum Glob {
    static func hasWildcard(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    static func matches(_ pattern: String, _ name: String) -> Bool {
        let pattern = Array(pattern.unicodeScalars)
        let name = Array(name.unicodeScalars)
        if name.first == "." && pattern.first != "." { return false }
        return match(pattern, 0, name, 0)
    }

    /// A pattern component without wildcards, with its backslash escapes removed.
    static func unescaped(_ text: String) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if character == "\\" && !escaping {
                escaping = true
                continue
            }
            escaping = false
            result.append(character)
        }
        return result
    }

    private static func match(_ pattern: [Unicode.Scalar], _ start: Int, _ name: [Unicode.Scalar], _ nameStart: Int) -> Bool {
        var p = start
        var n = nameStart
        while p < pattern.count {
            switch pattern[p] {
            case "*":
                while p < pattern.count && pattern[p] == "*" { p += 1 }
                if p == pattern.count { return true }
                var candidate = n
                while candidate <= name.count {
                    if match(pattern, p, name, candidate) { return true }
                    candidate += 1
                }
                return false
            case "?":
                guard n < name.count else { return false }
                p += 1
                n += 1
            case "[":
                guard n < name.count else { return false }
                if let bracket = matchClass(pattern, p, name[n]) {
                    guard bracket.matched else { return false }
                    p = bracket.next
                    n += 1
                } else {
                    // An unterminated class is a literal '['.
                    guard name[n] == "[" else { return false }
                    p += 1
                    n += 1
                }
            case "\\" where p + 1 < pattern.count:
                guard n < name.count, name[n] == pattern[p + 1] else { return false }
                p += 2
                n += 1
            default:
                guard n < name.count, name[n] == pattern[p] else { return false }
                p += 1
                n += 1
            }
        }
        return n == name.count
    }

    /// Whether `character` is in the bracket expression starting at `start`, and the index after it;
    /// nil when the expression has no closing `]`.
    private static func matchClass(_ pattern: [Unicode.Scalar], _ start: Int, _ character: Unicode.Scalar) -> (matched: Bool, next: Int)? {
        var index = start + 1
        var negated = false
        if index < pattern.count && (pattern[index] == "!" || pattern[index] == "^") {
            negated = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.count {
            if pattern[index] == "]" && !first { return (matched: matched != negated, next: index + 1) }
            first = false
            var low = pattern[index]
            if low == "\\" && index + 1 < pattern.count {
                index += 1
                low = pattern[index]
            }
            if index + 2 < pattern.count && pattern[index + 1] == "-" && pattern[index + 2] != "]" {
                let high = pattern[index + 2]
                if low.value <= character.value && character.value <= high.value { matched = true }
                index += 3
            } else {
                if low == character { matched = true }
                index += 1
            }
        }
        return nil
    }
}
