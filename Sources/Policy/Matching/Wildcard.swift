/// RAM wildcard matching: `*` matches any run of characters (possibly empty), `?` exactly one; all else is literal.
///
/// Greedy with a single backtrack point (the last `*` seen), so time is at most pattern length × text length,
/// never exponential, whatever the pattern.
enum Wildcard {
    static func matches(_ pattern: String, _ text: String, ignoringCase: Bool = false) -> Bool {
        if pattern == "*" { return true }
        let pattern = Array((ignoringCase ? pattern.lowercased() : pattern).unicodeScalars)
        let text = Array((ignoringCase ? text.lowercased() : text).unicodeScalars)
        var p = 0
        var t = 0
        var star: Int?
        var starText = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "*" {
                star = p
                starText = t
                p += 1
            } else if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star {
                // Let the last `*` swallow one more character and retry the rest of the pattern from there.
                p = star + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// Whether the pattern matches every string: it is made of `*` only.
    static func matchesEverything(_ pattern: String) -> Bool {
        !pattern.isEmpty && pattern.allSatisfy { $0 == "*" }
    }
}
