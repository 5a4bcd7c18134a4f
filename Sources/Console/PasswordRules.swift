import KeywardCore

/// A password policy as the page lists it; the page's script marks each rule met or unmet as the user types, with the
/// numbers and characters given here (the server checks again with the same policy).
enum PasswordRules {
    static func view(_ policy: PasswordPolicy) -> View {
        var rules: [View] = [
            ["rule": "length", "text": .text("\(policy.lengthRange.lowerBound) to \(policy.lengthRange.upperBound) characters"),
             "min": .text(String(policy.lengthRange.lowerBound)), "max": .text(String(policy.lengthRange.upperBound))],
            ["rule": "classes", "text": .text("At least \(policy.minimumClasses) of: uppercase letters, lowercase letters, digits, special characters"),
             "min": .text(String(policy.minimumClasses))],
            ["rule": "allowed", "text": .text("Only letters, digits and these special characters: \(policy.specialsListed)")],
        ]
        if !policy.forbiddenFirstCharacters.isEmpty {
            let first = String(String.UnicodeScalarView(policy.forbiddenFirstCharacters.sorted()))
            rules.append(["rule": "first", "text": .text("Does not start with \(first)"), "chars": .text(first)])
        }
        return ["items": .list(rules), "specials": .text(policy.specialsListed)]
    }
}
