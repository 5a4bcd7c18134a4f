/// A rule an instance logon password must follow: its length, the characters it may use, and how many of the four
/// classes (uppercase, lowercase, digits, specials) it needs. Each vendor documents its own; ``ecs`` is the default.
public struct PasswordPolicy: Sendable, Hashable {
    public let lengthRange: ClosedRange<Int>
    public let specialCharacters: Set<Unicode.Scalar>
    /// The specials as the rule lists them, for messages.
    public let specialsListed: String
    public let minimumClasses: Int
    /// Characters a password may not start with.
    public let forbiddenFirstCharacters: Set<Unicode.Scalar>

    public init(lengthRange: ClosedRange<Int>, specialCharacters: String, minimumClasses: Int, forbiddenFirstCharacters: String = "") {
        self.lengthRange = lengthRange
        self.specialCharacters = Set(specialCharacters.unicodeScalars)
        self.specialsListed = specialCharacters
        self.minimumClasses = minimumClasses
        self.forbiddenFirstCharacters = Set(forbiddenFirstCharacters.unicodeScalars)
    }

    /// ECS: 8–30 characters of ASCII letters, digits and ``( ) ` ~ ! @ # $ % ^ & * - _ + = | { } [ ] : ; ' " < > , . ? /``,
    /// at least three of the four classes.
    public static let ecs = PasswordPolicy(lengthRange: 8...30, specialCharacters: "()`~!@#$%^&*-_+=|{}[]:;'\"<>,.?/", minimumClasses: 3)

    /// Accepts `password` under the ECS rule or throws ``DomainError/invalidPassword(reason:)``.
    public static func validate(_ password: String) throws(DomainError) {
        try ecs.validate(password)
    }

    /// Accepts `password` or throws ``DomainError/invalidPassword(reason:)`` naming the rule it breaks.
    public func validate(_ password: String) throws(DomainError) {
        let scalars = Array(password.unicodeScalars)
        // The reason never quotes the password's characters: errors end up in logs.
        guard scalars.allSatisfy(isAllowed) else {
            throw .invalidPassword(reason: "only ASCII letters, digits and \(specialsListed) are allowed (no spaces, no \\)")
        }
        guard lengthRange.contains(scalars.count) else {
            throw .invalidPassword(reason: "the password must be \(lengthRange.lowerBound) to \(lengthRange.upperBound) characters long, not \(scalars.count)")
        }
        if let first = scalars.first, forbiddenFirstCharacters.contains(first) {
            throw .invalidPassword(reason: "the password must not start with \(String(String.UnicodeScalarView(forbiddenFirstCharacters.sorted())))")
        }
        let classes: [(Unicode.Scalar) -> Bool] = [Self.isUppercase, Self.isLowercase, Self.isDigit, isSpecial]
        let present = classes.filter { scalars.contains(where: $0) }.count
        guard present >= minimumClasses else {
            let count = ["", "one", "two", "three", "four"][min(minimumClasses, 4)]
            throw .invalidPassword(reason: "the password must contain at least \(count) of: uppercase letters, lowercase letters, digits, special characters")
        }
    }

    private func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        Self.isUppercase(scalar) || Self.isLowercase(scalar) || Self.isDigit(scalar) || isSpecial(scalar)
    }

    private static func isUppercase(_ scalar: Unicode.Scalar) -> Bool { (0x41...0x5A).contains(scalar.value) }
    private static func isLowercase(_ scalar: Unicode.Scalar) -> Bool { (0x61...0x7A).contains(scalar.value) }
    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { (0x30...0x39).contains(scalar.value) }
    private func isSpecial(_ scalar: Unicode.Scalar) -> Bool { specialCharacters.contains(scalar) }
}
