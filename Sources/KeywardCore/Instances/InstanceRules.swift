/// The ECS rules about which instance may do what; no I/O.
public enum InstanceRules {
    /// Generation I instance families, which are not I/O optimized and cannot use key pairs.
    public static let nonIOOptimizedFamilies: Set<String> = ["ecs.t1", "ecs.s1", "ecs.s2", "ecs.s3", "ecs.m1", "ecs.m2", "ecs.c1", "ecs.c2"]

    /// The family of an instance type: `ecs.g7` for `ecs.g7.large`.
    public static func family(of instanceType: String) -> String {
        instanceType.split(separator: ".").prefix(2).joined(separator: ".")
    }

    /// Whether an instance type supports key pairs (it is I/O optimized).
    public static func supportsKeyPairs(instanceType: String) -> Bool {
        !nonIOOptimizedFamilies.contains(family(of: instanceType))
    }

    /// A key pair may be bound only to a Linux instance of an I/O optimized type.
    public static func checkKeyPairAllowed(osType: OSType, instanceType: String) throws(DomainError) {
        guard osType == .linux else { throw .windowsInstanceKeyPair }
        guard supportsKeyPairs(instanceType: instanceType) else { throw .nonIOOptimizedKeyPair }
    }

    /// The same rule at launch, reported as ECS reports it for RunInstances, CreateInstance and ReplaceSystemDisk.
    public static func checkKeyPairAllowedAtLaunch(osType: OSType, instanceType: String) throws(DomainError) {
        do {
            try checkKeyPairAllowed(osType: osType, instanceType: instanceType)
        } catch .nonIOOptimizedKeyPair {
            throw .instanceTypeWithoutKeyPairSupport(instanceType)
        }
    }

    /// Instance type names such as `ecs.g7.large`: lowercase letters, digits, `.` and `-`, 3 to 64 characters.
    public static func isValidInstanceType(_ type: String) -> Bool {
        (3...64).contains(type.count) && type.contains(".")
            && type.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" }
    }

    /// How instance names are checked: ECS's rule, or any characters up to a length (CVM: 1–128).
    public enum NameRule: Sendable {
        case ecs
        case anyCharacters(maxLength: Int)
    }

    /// Instance names: 2–128 characters, starting with a letter or Chinese character; letters, digits, `.`, `_`, `-`, `:`.
    public static func validateInstanceName(_ name: String, rule: NameRule = .ecs) throws(DomainError) {
        if case .anyCharacters(let maxLength) = rule {
            guard (1...maxLength).contains(name.count), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .invalidParameter(name: "InstanceName", reason: "1 to \(maxLength) characters, no control characters")
            }
            return
        }
        guard (2...128).contains(name.count), let first = name.unicodeScalars.first, first.properties.isAlphabetic,
              !name.lowercased().hasPrefix("http://"), !name.lowercased().hasPrefix("https://"),
              name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType == .decimal || ".:_-".unicodeScalars.contains($0) })
        else { throw .invalidParameter(name: "InstanceName", reason: "2 to 128 characters, starting with a letter") }
    }

    /// Linux host names: 2–64 characters of letters, digits, `.` and `-`, no `.` or `-` at either end or twice in a row.
    public static func validateHostName(_ name: String) throws(DomainError) {
        let scalars = Array(name.unicodeScalars)
        guard (2...64).contains(scalars.count),
              scalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "." || $0 == "-" }),
              let first = scalars.first, let last = scalars.last, first != ".", first != "-", last != ".", last != "-",
              !name.contains(".."), !name.contains("--"), !name.contains(".-"), !name.contains("-.")
        else { throw .invalidHostName(name) }
    }

    /// The statuses from which each operation is allowed, as ECS documents.
    public static func check(_ operation: Operation, status: InstanceStatus) throws(DomainError) {
        let allowed: Set<InstanceStatus>
        switch operation {
        case .start: allowed = [.stopped]
        case .stop: allowed = [.running]
        case .reboot: allowed = [.running]
        case .delete: allowed = [.stopped, .pending]
        case .forceDelete: allowed = [.stopped, .pending, .running, .starting, .stopping]
        case .modifyPassword: allowed = [.running, .stopped, .pending]
        case .createImage: allowed = [.running, .stopped]
        case .replaceSystemDisk: allowed = [.stopped]
        }
        guard allowed.contains(status) else { throw .incorrectInstanceStatus(status.rawValue) }
    }

    public enum Operation: Sendable {
        case start, stop, reboot, delete, forceDelete, modifyPassword, createImage, replaceSystemDisk
    }
}
