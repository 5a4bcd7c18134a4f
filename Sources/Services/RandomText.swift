import KeywardCore

/// Random identifiers and secrets from the system's secure generator.
enum RandomText {
    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    static func alphanumeric(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphanumerics[Int.random(in: 0..<alphanumerics.count, using: &generator)] })
    }

    /// Decimal digits, the first one not zero (RAM user and role ids, account ids).
    static func digits(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let first = Character(String(Int.random(in: 1...9, using: &generator)))
        return String([first] + (1..<count).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }

    /// `count` random bytes, base64url without padding (32 bytes: 43 characters): session ids and form tokens.
    static func token(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
