/// Hexadecimal text of bytes: the one place Keyward spells bytes as hex digits.
public enum Hex {
    /// Two digits a byte, e.g. `0a3f…`, or `0A:3F:…` with `uppercase` and a `separator`.
    public static func encode(_ bytes: some Sequence<UInt8>, uppercase: Bool = false, separator: String = "") -> String {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        let between = Array(separator.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * (2 + between.count))
        for byte in bytes {
            if !out.isEmpty { out.append(contentsOf: between) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
