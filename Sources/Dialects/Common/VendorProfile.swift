import KeywardCore

/// What one vendor makes of the shared records: the regions it names, its rule for key pair names, the ids it shows,
/// its password rules and its error table. Each dialect reads these through its profile, never inline.
public protocol VendorProfile {
    associatedtype Failure: Error
    /// The `Region.namedAfter` of the vendor's own regions (each dialect lists its own; any dialect reaches any).
    static var regionNaming: String { get }
    /// A key pair name checked by the vendor's rule.
    static func keyPairName(_ name: String, origin: KeyPairName.Origin) throws -> KeyPairName
    /// How the vendor shows an instance id and an image id.
    static func instanceID(_ id: String) -> String
    static func imageID(_ id: String) -> String
    /// The password rules for an instance's system, at launch and at a reset.
    static func launchPasswordPolicy(for system: OSType) -> PasswordPolicy
    static func resetPasswordPolicy(for system: OSType) -> PasswordPolicy
    /// A domain error in the vendor's code and words.
    static func failure(for error: DomainError) -> Failure
}

/// Alibaba Cloud ECS: its own ids as they are, ECS's rules.
enum AlibabaProfile: VendorProfile {
    static let regionNaming = "alibaba"
    static func keyPairName(_ name: String, origin: KeyPairName.Origin) throws(DomainError) -> KeyPairName { try KeyPairName(name, origin: origin) }
    static func instanceID(_ id: String) -> String { id }
    static func imageID(_ id: String) -> String { id }
    static func launchPasswordPolicy(for system: OSType) -> PasswordPolicy { .ecs }
    static func resetPasswordPolicy(for system: OSType) -> PasswordPolicy { .ecs }
    static func failure(for error: DomainError) -> RPCError { AlibabaErrorTable.rpcError(for: error) }
}
