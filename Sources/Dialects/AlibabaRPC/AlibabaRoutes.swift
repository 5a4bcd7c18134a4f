import KeywardCore
import Services

/// The services every Alibaba RPC product is served from.
public struct AlibabaServices: Sendable {
    public let keyPairs: KeyPairService
    public let instances: InstanceService
    public let images: ImageService
    public let agents: AgentService
    public let ram: RAMService
    public let sts: STSService
    public let directory: DirectoryService
    public let audit: AuditService
    public let scaling: AutoScalingService
    public let regions: RegionCatalog

    public init(
        keyPairs: KeyPairService, instances: InstanceService, images: ImageService, agents: AgentService, ram: RAMService, sts: STSService,
        directory: DirectoryService, audit: AuditService, scaling: AutoScalingService, regions: RegionCatalog
    ) {
        self.keyPairs = keyPairs
        self.instances = instances
        self.images = images
        self.agents = agents
        self.ram = ram
        self.sts = sts
        self.directory = directory
        self.audit = audit
        self.scaling = scaling
        self.regions = regions
    }
}

extension RPCRoutes {
    /// Every product and action Keyward serves in Alibaba's RPC dialect: ECS, RAM, STS, ResourceManager, ActionTrail,
    /// Auto Scaling and Keyward's own.
    public static func alibaba(_ services: AlibabaServices) -> RPCRoutes {
        var routes = RPCRoutes()
        ECSKeyPairActions(keyPairs: services.keyPairs, regions: services.regions).register(into: &routes)
        ECSInstanceActions(instances: services.instances, images: services.images).register(into: &routes)
        KeywardActions(agents: services.agents).register(into: &routes)
        RAMActions(ram: services.ram).register(into: &routes)
        STSActions(sts: services.sts).register(into: &routes)
        ResourceManagerActions(directory: services.directory).register(into: &routes)
        ActionTrailActions(audit: services.audit).register(into: &routes)
        ESSActions(scaling: services.scaling).register(into: &routes)
        return routes
    }
}
