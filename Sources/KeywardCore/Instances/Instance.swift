import Foundation

/// The lifecycle states ECS reports for an instance.
public enum InstanceStatus: String, Sendable, Codable, CaseIterable {
    case pending = "Pending"
    case starting = "Starting"
    case running = "Running"
    case stopping = "Stopping"
    case stopped = "Stopped"
}

/// The operating system family of an image or instance.
public enum OSType: String, Sendable, Codable {
    case linux
    case windows
}

/// The logon credentials of an instance as the control plane sees them: a bound key pair (by name and the
/// public key captured at binding) and a password (crypt hash only). Dialect-neutral: several keys are
/// possible here; ECS binds at most one.
public struct InstanceCredentials: Sendable, Codable, Hashable {
    public var keyPairName: String?
    public var publicKeys: [String]
    public var passwordHash: String?
    /// The image's preset password is kept (PasswordInherit) instead of a password of our own.
    public var passwordInherited: Bool

    public init(keyPairName: String? = nil, publicKeys: [String] = [], passwordHash: String? = nil, passwordInherited: Bool = false) {
        self.keyPairName = keyPairName
        self.publicKeys = publicKeys
        self.passwordHash = passwordHash
        self.passwordInherited = passwordInherited
    }

    /// A bound key pair turns password login off, as ECS documents; otherwise it is on when there is a password.
    public var passwordAuthentication: Bool { publicKeys.isEmpty && (passwordHash != nil || passwordInherited) }

    /// Binds a key pair, replacing any other: ECS allows one per Linux instance.
    public mutating func bind(keyPairName: String, publicKey: String) {
        self.keyPairName = keyPairName
        self.publicKeys = [publicKey]
    }

    public mutating func unbindKeyPair() {
        keyPairName = nil
        publicKeys = []
    }

    /// Sets a password of our own, ending any inheritance.
    public mutating func setPassword(hash: String) {
        passwordHash = hash
        passwordInherited = false
    }
}

/// Where an instance's sshd is reached.
public struct InstanceEndpoint: Sendable, Codable, Hashable {
    public let address: String
    public let port: Int

    public init(address: String, port: Int) {
        self.address = address
        self.port = port
    }
}

/// An instance: its identity, status, and credentials in two states. `bound` is what the control plane
/// wants; `effective` is what the running system was last given at start. They differ until the next
/// start or reboot, as on ECS.
public struct Instance: Sendable, Hashable {
    public let id: String
    public let accountID: String
    public let regionID: String
    public var name: String
    public var hostName: String
    public var imageID: String
    public let instanceType: String
    public var osType: OSType
    public var status: InstanceStatus
    public var bound: InstanceCredentials
    public var effective: InstanceCredentials?
    /// Whether the next start is the first boot of the current system disk.
    public var firstBootPending: Bool
    /// With PasswordInherit, the image's preset password is kept at first boot.
    public var passwordInherit: Bool
    public var endpoint: InstanceEndpoint?
    public var userData: String
    public var metadataTokensRequired: Bool
    public var metadataEnabled: Bool
    public let creationTime: Date
    public var startTime: Date?
    /// What first boot removed of the image's preset credentials (kinds and paths, never secrets).
    public var firstBootReport: [String]
    /// Set for a remote host that joined through the guest agent: the agent applies its credentials.
    public var agent: AgentBinding?
    /// Why the last start failed (cleared by a successful one), for the operator to read in DescribeInstances.
    public var startFailure: String?

    public init(
        id: String, accountID: String, regionID: String, name: String, hostName: String, imageID: String, instanceType: String,
        osType: OSType, status: InstanceStatus, bound: InstanceCredentials, effective: InstanceCredentials?, firstBootPending: Bool,
        passwordInherit: Bool, endpoint: InstanceEndpoint?, userData: String, metadataTokensRequired: Bool, metadataEnabled: Bool,
        creationTime: Date, startTime: Date?, firstBootReport: [String]
    ) {
        self.id = id
        self.accountID = accountID
        self.regionID = regionID
        self.name = name
        self.hostName = hostName
        self.imageID = imageID
        self.instanceType = instanceType
        self.osType = osType
        self.status = status
        self.bound = bound
        self.effective = effective
        self.firstBootPending = firstBootPending
        self.passwordInherit = passwordInherit
        self.endpoint = endpoint
        self.userData = userData
        self.metadataTokensRequired = metadataTokensRequired
        self.metadataEnabled = metadataEnabled
        self.creationTime = creationTime
        self.startTime = startTime
        self.firstBootReport = firstBootReport
        self.agent = nil
    }

    /// Instances per account per region, agent hosts included.
    public static let quotaPerRegion = 200

    /// Credentials changed since the last start: they take effect at the next start or reboot.
    public var hasPendingCredentials: Bool { effective != bound }
}

/// How a remote host's guest agent is tied to its instance: the hash of the agent's secret, the credential
/// generation the control plane asks for, and the last one the agent applied.
public struct AgentBinding: Sendable, Hashable, Codable {
    public var secretHash: String
    public var requestedGeneration: Int
    public var appliedGeneration: Int
    /// When the agent last asked for its credentials or reported them applied.
    public var lastSeen: Date?

    public init(secretHash: String, requestedGeneration: Int, appliedGeneration: Int, lastSeen: Date? = nil) {
        self.secretHash = secretHash
        self.requestedGeneration = requestedGeneration
        self.appliedGeneration = appliedGeneration
        self.lastSeen = lastSeen
    }
}
