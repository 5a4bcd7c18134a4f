import Crypto
import Foundation
import Instances
import KeywardCore
import Logging
import Store

/// Remote Linux hosts that join through `keyward agent`: a one-time registration token makes the host an
/// instance; from then on its agent fetches the desired credentials (at boot, and whenever a start or reboot
/// asks for them) and reports what it applied.
public struct AgentService: Sendable {
    let store: any Store
    let regions: RegionCatalog
    let logger: Logger

    public init(store: any Store, regions: RegionCatalog, logger: Logger) {
        self.store = store
        self.regions = regions
        self.logger = logger
    }

    /// The image and instance type agent hosts are listed with.
    public static let imageID = "keyward-agent-host"
    public static let instanceType = "keyward.agent.host"
    public static let tokenLifetimeLimit: TimeInterval = 7 * 86_400

    public enum AgentError: Error, Sendable, Equatable {
        case invalidRegistrationToken
        case unauthorized
    }

    /// A one-time token for joining one host, valid for `lifetime`.
    public func createRegistrationToken(_ call: AuthorizedCall, regionID: String, instanceName: String?, lifetime: TimeInterval) async throws
        -> (token: String, expiresAt: Date)
    {
        let principal = call.principal
        let region = try regions.region(regionID)
        if let instanceName { try InstanceRules.validateInstanceName(instanceName) }
        guard lifetime > 0, lifetime <= Self.tokenLifetimeLimit else {
            throw DomainError.invalidParameter(name: "ValidSeconds", reason: "1 to \(Int(Self.tokenLifetimeLimit)) seconds")
        }
        let token = "kwreg-" + Self.randomSecret()
        let expiresAt = Date().addingTimeInterval(lifetime)
        try await store.write { tx in
            try await tx.insertRegistrationToken(hash: Self.hash(token), accountID: principal.accountID, regionID: region.id, instanceName: instanceName,
                                                 expiresAt: expiresAt)
        }
        return (token, expiresAt)
    }

    /// Joins a host: consumes the token and creates its instance. Returns the instance id and the agent's secret.
    public func register(token: String, hostName: String, address: String) async throws -> (instanceID: String, secret: String) {
        let secret = Self.randomSecret()
        let id = ResourceID.make(prefix: "i")
        let host = (try? InstanceRules.validateHostName(hostName)) != nil ? hostName : id
        let created: Instance = try await store.write { tx in
            guard let grant = try await tx.consumeRegistrationToken(hash: Self.hash(token), now: Date()) else {
                throw AgentError.invalidRegistrationToken
            }
            var instance = Instance(
                id: id, accountID: grant.accountID, regionID: grant.regionID, name: grant.instanceName ?? host, hostName: host,
                imageID: Self.imageID, instanceType: Self.instanceType, osType: .linux, status: .running, bound: InstanceCredentials(),
                effective: nil, firstBootPending: false, passwordInherit: false, endpoint: InstanceEndpoint(address: address, port: 22),
                userData: "", metadataTokensRequired: false, metadataEnabled: true, creationTime: Date(), startTime: Date(), firstBootReport: []
            )
            instance.agent = AgentBinding(secretHash: Self.hash(secret), requestedGeneration: 1, appliedGeneration: 0)
            try await tx.insertInstance(instance, quota: Instance.quotaPerRegion)
            return instance
        }
        logger.info("host joined through the guest agent", metadata: ["instance": "\(created.id)", "address": "\(address)"])
        return (created.id, secret)
    }

    /// What the agent should apply now, and the generation to report back.
    public func desired(instanceID: String, secret: String) async throws -> (generation: Int, credentials: DesiredCredentials) {
        var instance = try await authenticate(instanceID: instanceID, secret: secret)
        // An agent polls every few seconds: its last-seen time is written at most once a minute.
        if (instance.agent?.lastSeen).map({ Date().timeIntervalSince($0) > 60 }) ?? true {
            instance = try await store.write { tx in
                guard var current = try await tx.instance(id: instanceID, accountID: nil) else { throw AgentError.unauthorized }
                current.agent?.lastSeen = Date()
                try await tx.updateInstance(current)
                return current
            }
        }
        return (instance.agent?.requestedGeneration ?? 0, Self.desired(for: instance))
    }

    /// Records that the agent applied `generation`; the bound credentials of that moment are then effective.
    public func applied(instanceID: String, secret: String, generation: Int, credentials: DesiredCredentials) async throws {
        _ = try await authenticate(instanceID: instanceID, secret: secret)
        try await store.write { tx in
            guard var instance = try await tx.instance(id: instanceID, accountID: nil), var binding = instance.agent else { throw AgentError.unauthorized }
            guard generation <= binding.requestedGeneration else { throw DomainError.invalidParameter(name: "generation", reason: "not requested") }
            binding.appliedGeneration = max(binding.appliedGeneration, generation)
            binding.lastSeen = Date()
            instance.agent = binding
            if Self.desired(for: instance) == credentials { instance.effective = instance.bound }
            try await tx.updateInstance(instance)
        }
        CredentialApplies.record(.applied, by: "agent")
        logger.info("agent applied credentials", metadata: ["instance": "\(instanceID)", "generation": "\(generation)"])
    }

    static func desired(for instance: Instance) -> DesiredCredentials {
        DesiredCredentials(
            loginUser: "root", authorizedKeys: instance.bound.publicKeys, passwordHash: instance.bound.passwordHash,
            passwordAuthentication: instance.bound.passwordAuthentication, hostname: instance.hostName
        )
    }

    private func authenticate(instanceID: String, secret: String) async throws -> Instance {
        guard let instance = try await store.read({ tx in try await tx.instance(id: instanceID, accountID: nil) }),
              let binding = instance.agent,
              ConstantTime.equals(Array(binding.secretHash.utf8), Array(Self.hash(secret).utf8))
        else { throw AgentError.unauthorized }
        return instance
    }

    static func hash(_ secret: String) -> String {
        Hex.encode(SHA256.hash(data: Data(secret.utf8)))
    }

    private static func randomSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<40).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
