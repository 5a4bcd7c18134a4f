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

/// A key pair bound to an instance: its name, and its id and public key captured at binding.
public struct BoundKeyPair: Sendable, Codable, Hashable {
    public let name: String
    public let publicKey: String
    /// nil in records bound before ids were captured.
    public let keyPairID: String?

    public init(name: String, publicKey: String, keyPairID: String? = nil) {
        self.name = name
        self.publicKey = publicKey
        self.keyPairID = keyPairID
    }

    public init(_ keyPair: KeyPair) {
        self.init(name: keyPair.name, publicKey: keyPair.publicKey, keyPairID: keyPair.id)
    }
}

/// The logon credentials of an instance as the control plane sees them: bound key pairs and a password (crypt hash
/// only). Dialect-neutral: ECS binds at most one key pair, CVM several.
public struct InstanceCredentials: Sendable, Codable, Hashable {
    public private(set) var keyPairs: [BoundKeyPair]
    public var passwordHash: String?
    /// The image's preset password is kept (PasswordInherit) instead of a password of our own.
    public var passwordInherited: Bool

    public init(keyPairs: [BoundKeyPair] = [], passwordHash: String? = nil, passwordInherited: Bool = false) {
        self.keyPairs = keyPairs
        self.passwordHash = passwordHash
        self.passwordInherited = passwordInherited
    }

    /// The first bound key pair's name: the one ECS shows.
    public var keyPairName: String? { keyPairs.first?.name }
    public var keyPairNames: [String] { keyPairs.map(\.name) }
    public var publicKeys: [String] { keyPairs.map(\.publicKey) }

    /// A bound key pair turns password login off, as ECS documents; otherwise it is on when there is a password.
    public var passwordAuthentication: Bool { keyPairs.isEmpty && (passwordHash != nil || passwordInherited) }

    /// Binds key pairs, replacing any others (ECS binds one per Linux instance).
    public mutating func bind(_ pairs: [BoundKeyPair]) {
        keyPairs = []
        for pair in pairs { add(pair) }
    }

    /// Binds a key pair beside the others (CVM); binding one already bound changes nothing.
    public mutating func add(_ pair: BoundKeyPair) {
        guard !keyPairs.contains(where: { $0.name == pair.name }) else { return }
        keyPairs.append(pair)
    }

    /// Unbinds one key pair, keeping the others.
    public mutating func remove(keyPairName: String) {
        keyPairs.removeAll { $0.name == keyPairName }
    }

    public mutating func unbindKeyPair() {
        keyPairs = []
    }

    private enum CodingKeys: String, CodingKey {
        case keyPairs, passwordHash, passwordInherited
        // Records written before several key pairs could be bound.
        case keyPairName, publicKeys
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let pairs = try container.decodeIfPresent([BoundKeyPair].self, forKey: .keyPairs) {
            keyPairs = pairs
        } else {
            let keys = try container.decodeIfPresent([String].self, forKey: .publicKeys) ?? []
            let name = try container.decodeIfPresent(String.self, forKey: .keyPairName)
            keyPairs = keys.first.map { [BoundKeyPair(name: name ?? "", publicKey: $0)] } ?? []
        }
        passwordHash = try container.decodeIfPresent(String.self, forKey: .passwordHash)
        passwordInherited = try container.decodeIfPresent(Bool.self, forKey: .passwordInherited) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keyPairs, forKey: .keyPairs)
        try container.encodeIfPresent(passwordHash, forKey: .passwordHash)
        try container.encode(passwordInherited, forKey: .passwordInherited)
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
    /// The zone it was placed in, when the launch named one.
    public var zoneID: String?
    /// Stored with the instance when it is inserted; afterwards changed only through the store's `setLatestOperation`.
    public var latestOperation: InstanceOperation?
    /// The Keyward host whose driver runs the instance's system ("" for instances recorded before hosts were).
    public var hostID: String = ""

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

    /// The zone it runs in: the one it was placed in, or for a region without zones the region's single one.
    public var placementZoneID: String { zoneID ?? regionID + "-a" }

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
