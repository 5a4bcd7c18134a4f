/// The naming rules of RAM and Resource Directory parameters.
public struct AccessNameRule: Sendable {
    public let parameter: String
    public let lengths: ClosedRange<Int>
    /// Characters allowed besides ASCII letters and digits; nil allows any character.
    public let extraCharacters: Set<Character>?
    /// Whether the first character must be a letter.
    public let startsWithLetter: Bool

    public init(parameter: String, lengths: ClosedRange<Int>, extraCharacters: Set<Character>?, startsWithLetter: Bool = false) {
        self.parameter = parameter
        self.lengths = lengths
        self.extraCharacters = extraCharacters
        self.startsWithLetter = startsWithLetter
    }

    /// Returns `value` when it follows the rule.
    @discardableResult
    public func check(_ value: String) throws(AccessError) -> String {
        guard lengths.contains(value.count) else { throw .invalidLength(parameter: parameter) }
        if let extra = extraCharacters {
            for character in value where !(character.isASCII && (character.isLetter || character.isNumber)) && !extra.contains(character) {
                throw .invalidChars(parameter: parameter)
            }
        }
        if startsWithLetter, let first = value.first, !(first.isASCII && first.isLetter) { throw .invalidChars(parameter: parameter) }
        return value
    }

    /// Checks `value` when it is present.
    public func checkOptional(_ value: String?) throws(AccessError) {
        if let value { try check(value) }
    }

    public static let userName = AccessNameRule(parameter: "UserName", lengths: 1...64, extraCharacters: [".", "-", "_"])
    public static let groupName = AccessNameRule(parameter: "GroupName", lengths: 1...64, extraCharacters: ["-"])
    public static let roleName = AccessNameRule(parameter: "RoleName", lengths: 1...64, extraCharacters: [".", "-"])
    public static let policyName = AccessNameRule(parameter: "PolicyName", lengths: 1...128, extraCharacters: ["-"])
    public static let displayName = AccessNameRule(parameter: "DisplayName", lengths: 1...128, extraCharacters: nil)
    public static let comments = AccessNameRule(parameter: "Comments", lengths: 0...128, extraCharacters: nil)
    public static let description = AccessNameRule(parameter: "Description", lengths: 0...1024, extraCharacters: nil)
    public static let accountAlias = AccessNameRule(parameter: "AccountAlias", lengths: 3...32, extraCharacters: ["-"])
    public static let roleSessionName = AccessNameRule(parameter: "RoleSessionName", lengths: 2...64, extraCharacters: [".", "@", "-", "_"])
    public static let folderName = AccessNameRule(parameter: "FolderName", lengths: 1...24, extraCharacters: ["_", ".", "-"])
    public static let accountDisplayName = AccessNameRule(parameter: "DisplayName", lengths: 2...50, extraCharacters: nil)
    public static let controlPolicyName = AccessNameRule(parameter: "PolicyName", lengths: 1...128, extraCharacters: ["-"], startsWithLetter: true)
}
