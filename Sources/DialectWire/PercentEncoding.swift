/// Percent-encoding as the vendors' signature schemes define it.
public enum PercentEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// RFC 3986: everything but `A-Z a-z 0-9 - _ . ~` is `%XX` (uppercase hex), over the UTF-8 bytes.
    public static func rfc3986(_ text: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        appendRFC3986(text.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the RFC 3986 encoding of `bytes` to `out`.
    public static func appendRFC3986(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
    }

    /// Decodes `application/x-www-form-urlencoded` text: `+` is a space, `%XX` a byte.
    /// Returns nil for a malformed escape or bytes that are not UTF-8.
    public static func formDecode(_ text: Substring) -> String? {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Splits a query string or form body into decoded name/value pairs, keeping empty values.
    public static func formPairs(_ text: String) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = formDecode(pieces[0]), let value = formDecode(pieces.count > 1 ? pieces[1] : "") else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    /// The first value given for `name` in form-encoded `text`, decoding only the names it must to compare them and the
    /// one value it returns; nil when absent or not well formed.
    public static func firstValue(named name: String, in text: String) -> String? {
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = pieces[0]
            let plain = !rawName.utf8.contains(UInt8(ascii: "%")) && !rawName.utf8.contains(UInt8(ascii: "+"))
            guard plain ? rawName == name : formDecode(rawName) == name else { continue }
            return formDecode(pieces.count > 1 ? pieces[1] : "")
        }
        return nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
