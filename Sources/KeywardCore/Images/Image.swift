import Foundation

/// A system image: a public one prepared by Keyward, or a custom one captured from an instance.
public struct Image: Sendable, Hashable {
    public let id: String
    /// nil for public images, visible to every account.
    public let ownerAccountID: String?
    public let regionID: String?
    public let name: String
    public let osType: OSType
    public let platform: String
    public let osName: String
    public let sourceInstanceID: String?
    public let creationTime: Date
    /// Credentials the image carries (learnt when it was captured): the reason PasswordInherit exists.
    public let presetPasswordUsers: [String]
    public let presetKeyCount: Int
    /// What its owner said of it (ECS Description, CVM ImageDescription), up to 256 characters.
    public var description: String = ""

    public init(
        id: String, ownerAccountID: String?, regionID: String?, name: String, osType: OSType, platform: String, osName: String,
        sourceInstanceID: String?, creationTime: Date, presetPasswordUsers: [String], presetKeyCount: Int
    ) {
        self.id = id
        self.ownerAccountID = ownerAccountID
        self.regionID = regionID
        self.name = name
        self.osType = osType
        self.platform = platform
        self.osName = osName
        self.sourceInstanceID = sourceInstanceID
        self.creationTime = creationTime
        self.presetPasswordUsers = presetPasswordUsers
        self.presetKeyCount = presetKeyCount
    }

    public var isPublic: Bool { ownerAccountID == nil }
    public var ownerAlias: String { isPublic ? "system" : "self" }

    /// Image names: 2–128 characters, starting with a letter or Chinese character, not http(s)://; or under a vendor's
    /// looser rule, any characters up to a length.
    public static func validateName(_ name: String, rule: InstanceRules.NameRule = .ecs) throws(DomainError) {
        if case .anyCharacters(let maxLength) = rule {
            guard (1...maxLength).contains(name.count), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .invalidParameter(name: "ImageName", reason: "1 to \(maxLength) characters, no control characters")
            }
            return
        }
        guard (2...128).contains(name.count), let first = name.unicodeScalars.first, first.properties.isAlphabetic,
              !name.lowercased().hasPrefix("http://"), !name.lowercased().hasPrefix("https://")
        else { throw .invalidParameter(name: "ImageName", reason: "2 to 128 characters, starting with a letter") }
    }
}
