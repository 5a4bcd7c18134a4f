/// The mount points of the calling process, from `/proc/self/mountinfo`: a bind-mounted file cannot be
/// renamed over (the rename fails with EBUSY), so such a file is rewritten in place.
enum MountTable {
    static func isMountPoint(_ hostPath: String) -> Bool {
        guard let bytes = FileOps.readHostFile("/proc/self/mountinfo") else { return false }
        for line in TextLines(bytes).lines {
            // id parent major:minor root mount-point options …
            let fields = line.split(separator: 0x20, omittingEmptySubsequences: true)
            guard fields.count > 4 else { continue }
            if unescape(Array(fields[4])) == hostPath { return true }
        }
        return false
    }

    /// mountinfo writes space, tab, newline and backslash as `\NNN` octal escapes.
    static func unescape(_ field: [UInt8]) -> String {
        var result: [UInt8] = []
        var index = 0
        while index < field.count {
            if field[index] == UInt8(ascii: "\\"), index + 3 < field.count,
               let value = UInt8(String(decoding: field[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                result.append(value)
                index += 4
            } else {
                result.append(field[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
