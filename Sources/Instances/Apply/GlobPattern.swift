/// Shell wildcard matching of one path component, as glob(3) does it for sshd's `Include`: `*`, `?`, `[…]`
/// (with `!` or `^` to negate, and ranges), `\` to quote; a leading `.` must be matched explicitly.
enum GlobPattern {
    static func hasWildcards(_ component: String) -> Bool {
        component.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    static func matches(_ pattern: String, _ name: String) -> Bool {
        let pattern = Array(pattern.utf8)
        let name = Array(name.utf8)
        if name.first == UInt8(ascii: "."), pattern.first != UInt8(ascii: ".") { return false }
        var p = 0
        var n = 0
        var star: Int?
        var starName = 0
        while n < name.count {
            if p < pattern.count, let next = step(pattern, p, name[n]) {
                p = next
                n += 1
                continue
            }
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                starName = n
                p += 1
                continue
            }
            guard let starIndex = star else { return false }
            p = starIndex + 1
            starName += 1
            n = starName
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// If the pattern element at `p` (not `*`) matches `byte`, the index after that element.
    private static func step(_ pattern: [UInt8], _ p: Int, _ byte: UInt8) -> Int? {
        switch pattern[p] {
        case UInt8(ascii: "*"):
            return nil
        case UInt8(ascii: "?"):
            return p + 1
        case UInt8(ascii: "\\") where p + 1 < pattern.count:
            return pattern[p + 1] == byte ? p + 2 : nil
        case UInt8(ascii: "["):
            if let result = bracket(pattern, p, byte) { return result.matched ? result.next : nil }
            return byte == UInt8(ascii: "[") ? p + 1 : nil
        default:
            return pattern[p] == byte ? p + 1 : nil
        }
    }

    /// A bracket expression starting at `open`: whether it matches and the index after its `]`; nil when unterminated.
    private static func bracket(_ pattern: [UInt8], _ open: Int, _ byte: UInt8) -> (matched: Bool, next: Int)? {
        var index = open + 1
        var negate = false
        if index < pattern.count, pattern[index] == UInt8(ascii: "!") || pattern[index] == UInt8(ascii: "^") {
            negate = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.count {
            let low = pattern[index]
            if low == UInt8(ascii: "]"), !first { return (matched != negate, index + 1) }
            first = false
            if index + 2 < pattern.count, pattern[index + 1] == UInt8(ascii: "-"), pattern[index + 2] != UInt8(ascii: "]") {
                if low <= byte, byte <= pattern[index + 2] { matched = true }
                index += 3
            } else {
                if low == byte { matched = true }
                index += 1
            }
        }
        return nil
    }
}
