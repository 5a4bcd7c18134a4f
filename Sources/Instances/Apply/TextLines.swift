/// A text file as lines of bytes, so that an edit keeps every byte it does not mean to change,
/// whatever encoding the guest file uses.
struct TextLines: Equatable {
    var lines: [[UInt8]]
    var endsWithNewline: Bool

    init(_ bytes: [UInt8]) {
        var parts = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
        endsWithNewline = bytes.last == 0x0A
        if endsWithNewline || bytes.isEmpty { parts.removeLast() }
        lines = parts
    }

    var bytes: [UInt8] {
        var result = Array(lines.joined(separator: [0x0A]))
        if endsWithNewline, !lines.isEmpty { result.append(0x0A) }
        return result
    }
}

extension Array where Element == UInt8 {
    /// The line without leading and trailing blanks (space, tab, carriage return).
    var trimmingBlanks: ArraySlice<UInt8> {
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return [] }
        return self[first...last]
    }
}
