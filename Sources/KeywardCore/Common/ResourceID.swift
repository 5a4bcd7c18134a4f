/// Resource identifiers in the vendors' shape: a prefix, a dash and 20 lowercase alphanumerics.
public enum ResourceID {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    /// Eight lowercase letters and digits that name a resource in id formats with a short body (`skey-…`, `ins-…`):
    /// the first eight of its id's random part.
    public static func shortID(of id: String) -> String {
        String(id.drop { $0 != "-" }.dropFirst().prefix(8))
    }

    /// A fresh random id such as `skp-bp1brtqj5sw1vq8k2m3n`.
    public static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return prefix + "-" + String(body)
    }
}
