/// Random (version 4) UUIDs in their text form, from the system's secure generator: request and event ids, made for
/// every call. (Foundation's `UUID()` opens and reads `/dev/urandom` on Linux each time.)
public enum RandomUUID {
    private static let digits = Array("0123456789ABCDEF".utf8)

    /// `8-4-4-4-12` upper-case hex digits, as `UUID().uuidString` writes them.
    public static func string() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for half in 0..<2 {
            var word: UInt64 = generator.next()
            for index in 0..<8 {
                bytes[half * 8 + index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
            }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
