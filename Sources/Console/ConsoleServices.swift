import KeywardCore
import Services

/// The services the console acts through. Every use case is reached through `gateway`, as the API reaches it.
public struct ConsoleServices: Sendable {
    public let signIn: ConsoleSignIn
    public let gateway: AccessGateway
    public let keyPairs: KeyPairService
    public let instances: InstanceService
    public let images: ImageService
    public let ram: RAMService
    public let audit: AuditService
    public let scaling: AutoScalingService
    public let regions: RegionCatalog

    public init(
        signIn: ConsoleSignIn, gateway: AccessGateway, keyPairs: KeyPairService, instances: InstanceService, images: ImageService, ram: RAMService,
        audit: AuditService, scaling: AutoScalingService, regions: RegionCatalog
    ) {
        self.signIn = signIn
        self.gateway = gateway
        self.keyPairs = keyPairs
        self.instances = instances
        self.images = images
        self.ram = ram
        self.audit = audit
        self.scaling = scaling
        self.regions = regions
    }
}
