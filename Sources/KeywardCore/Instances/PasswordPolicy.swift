/// The rule an instance logon password must follow, as ECS documents it.
///
/// 8–30 characters, drawn only from ASCII letters, digits and the special characters
/// ``specialCharacters``, with at least three of the four classes: uppercase, lowercase, digits, specials.
public enum PasswordPolicy {
    public static let lengthRange = 8...30
    /// The special characters allowed: ``( ) ` ~ ! @ # $ % ^ & * - _ + = | { } [ ] : ; ' " < > , . ? /``.
    public static let specialCharacters: Set<Unicode.Scalar> = Set("()`~!@#$%^&*-_+=|{}[]:;'\"<>,.?/".unicodeScalars)

    /// Accepts `password` or throws ``DomainError/invalidPassword(reason:)`` naming the rule it breaks.
    public static func validate(_ password: String) throws(DomainError) {
        let scalars = Array(password.unicodeScalars)
        // The reason never quotes the password's characters: errors end up in logs.
        guard scalars.allSatisfy(isAllowed) else {
            throw .invalidPassword(reason: "only ASCII letters, digits and ()`~!@#$%^&*-_+=|{}[]:;'\"<>,.?/ are allowed (no spaces, no \\)")
        }
        guard lengthRange.contains(scalars.count) else {
            throw .invalidPassword(reason: "the password must be \(lengthRange.lowerBound) to \(lengthRange.upperBound) characters long, not \(scalars.count)")
        }
        let classes: [(Unicode.Scalar) -> Bool] = [isUppercase, isLowercase, isDigit, isSpecial]
        let present = classes.filter { scalars.contains(where: $0) }.count
        guard present >= 3 else {
            throw .invalidPassword(reason: "the password must contain at least three of: uppercase letters, lowercase letters, digits, special characters")
        }
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        isUppercase(scalar) || isLowercase(scalar) || isDigit(scalar) || isSpecial(scalar)
    }

    private static func isUppercase(_ scalar: Unicode.Scalar) -> Bool { (0x41...0x5A).contains(scalar.value) }
    private static func isLowercase(_ scalar: Unicode.Scalar) -> Bool { (0x61...0x7A).contains(scalar.value) }
    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { (0x30...0x39).contains(scalar.value) }
    private static func isSpecial(_ scalar: Unicode.Scalar) -> Bool { specialCharacters.contains(scalar) }
}
