import Foundation

/// An Auto Scaling group: the instances it keeps between `minSize` and `maxSize`, launched from its active configuration.
public struct ScalingGroup: Sendable, Hashable, Codable {
    /// `Active` executes rules and starts activities; `Inactive` (new or disabled) refuses them; `Deleting` is on its way out.
    public enum State: String, Sendable, Codable, CaseIterable {
        case active = "Active"
        case inactive = "Inactive"
        case deleting = "Deleting"
    }

    public let id: String
    public let accountID: String
    public let regionID: String
    public var name: String
    public var minSize: Int
    public var maxSize: Int
    /// When set, the group keeps this many instances (Min ≤ Desired ≤ Max).
    public var desiredCapacity: Int?
    /// Seconds after an activity during which alarm-triggered activities wait.
    public var defaultCooldown: Int
    /// The order instances are chosen in on scale-in.
    public var removalPolicies: [RemovalPolicy]
    public var state: State
    public var activeConfigurationID: String?
    public let creationTime: Date

    public init(
        id: String, accountID: String, regionID: String, name: String, minSize: Int, maxSize: Int, desiredCapacity: Int?, defaultCooldown: Int,
        removalPolicies: [RemovalPolicy], state: State, activeConfigurationID: String?, creationTime: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.regionID = regionID
        self.name = name
        self.minSize = minSize
        self.maxSize = maxSize
        self.desiredCapacity = desiredCapacity
        self.defaultCooldown = defaultCooldown
        self.removalPolicies = removalPolicies
        self.state = state
        self.activeConfigurationID = activeConfigurationID
        self.creationTime = creationTime
    }

    /// ESS's limits: up to 2,000 instances a group, cooldowns up to a day.
    public static let sizeLimit = 2000
    public static let cooldownLimit = 86_400
    public static let defaultRemovalPolicies: [RemovalPolicy] = [.oldestScalingConfiguration, .oldestInstance]

    /// Checks the sizes as Create and Modify do: each within 0…2000, Min ≤ Max, and Min ≤ Desired ≤ Max.
    public static func validateSizes(minSize: Int, maxSize: Int, desiredCapacity: Int?) throws(DomainError) {
        for (name, value) in [("MinSize", minSize), ("MaxSize", maxSize)] where !(0...sizeLimit).contains(value) {
            throw .invalidParameter(name: name, reason: "must be 0 to \(sizeLimit)")
        }
        guard minSize <= maxSize else { throw .parameterConflict("MinSize", "MaxSize") }
        if let desired = desiredCapacity, !(minSize...maxSize).contains(desired) { throw .parameterConflict("DesiredCapacity", "MinSize") }
    }

    /// Group and configuration names: 2–64 of letters, digits, `_`, `-` and `.`, starting with a letter or digit.
    public static func validateName(_ name: String, parameter: String) throws(DomainError) {
        let scalars = Array(name.unicodeScalars)
        guard (2...64).contains(scalars.count), let first = scalars.first, first.isASCIILetter || first.isASCIIDigit,
              scalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || "_-.".unicodeScalars.contains($0) })
        else { throw .invalidParameter(name: parameter, reason: "2 to 64 letters, digits, _, - or ., starting with a letter or digit") }
    }
}

/// How scale-in picks the instances it removes, in the order the group lists them.
public enum RemovalPolicy: String, Sendable, Codable, CaseIterable {
    case oldestScalingConfiguration = "OldestScalingConfiguration"
    case oldestInstance = "OldestInstance"
    case newestInstance = "NewestInstance"
}
