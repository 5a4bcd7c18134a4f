import Crypto
import Dialects
import Foundation
import Hummingbird
import Instances
import KeywardCore
import Logging
import Services
import ServiceLifecycle
import Store

/// Wiring of the control plane: store, services, drivers, dialects and the HTTP servers. Production and tests both use it.
public enum KeywardServer {
    /// What the operator is told once the server listens.
    public struct StartupInfo: Sendable {
        public let port: Int
        public let rootKey: CredentialService.RootKeyOutcome
        public let driver: String
        public let metadataEndpoint: String?
    }

    public static func build(
        configuration: ServerConfiguration,
        logger: Logger,
        onListening: @escaping @Sendable (StartupInfo) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let store: SQLStore
        let sealer: SecretSealer
        if let directory = configuration.dataDirectory {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            sealer = try SecretSealer.loadOrCreate(keyFile: directory + "/server.key")
            store = try await SQLStore.sqlite(path: directory + "/keyward.sqlite3", logger: logger)
        } else {
            sealer = SecretSealer(key: .init(size: .bits256))
            store = try await SQLStore.sqlite(path: nil, logger: logger)
        }
        let regions = RegionCatalog.standard
        let credentials = CredentialService(store: store, sealer: sealer)
        let rootKey = try await credentials.ensureRootAccessKey(configured: configuration.rootAccessKey)
        let (driver, network) = try await makeDriver(configuration, logger: logger)
        let keyPairs = KeyPairService(store: store, regions: regions, logger: logger)
        let instances = InstanceService(store: store, driver: driver, regions: regions, logger: logger)
        let images = ImageService(store: store, driver: driver, regions: regions, logger: logger)
        let agents = AgentService(store: store, regions: regions, logger: logger)
        try await images.preparePublicImages()
        await instances.reconcile()

        var routes = RPCRoutes()
        ECSKeyPairActions(keyPairs: keyPairs, regions: regions).register(into: &routes)
        ECSInstanceActions(instances: instances, images: images).register(into: &routes)
        KeywardActions(agents: agents).register(into: &routes)
        let alibaba = AlibabaRPCDialect(
            routes: routes, credentials: credentials, nonces: NonceRegistry(store: store), defaultRegionID: regions.defaultRegionID, logger: logger
        )

        var services: [any Service] = [StoreCloser(store: store)]
        var metadataEndpoint: String?
        if let (host, port) = metadataAddress(configuration, network: network) {
            let metadata = MetadataService(store: store, tokenKey: sealer.derivedKey(purpose: "metadata-token"), namedInstances: network == nil)
            services.append(Application(
                router: MetadataEndpoint.router(service: metadata),
                configuration: .init(address: .hostname(host, port: port), serverName: "Keyward metadata"),
                logger: logger
            ))
            metadataEndpoint = "http://\(host):\(port)"
        }

        let router = Router()
        RPCEndpoint(dialect: alibaba).register(on: router)
        AgentEndpoint(agents: agents).register(on: router)
        let driverDescription = driver.description
        let metadata = metadataEndpoint
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Keyward"),
            services: services,
            onServerRunning: { channel in
                await onListening(StartupInfo(port: channel.localAddress?.port ?? configuration.port, rootKey: rootKey, driver: driverDescription,
                                              metadataEndpoint: metadata))
            },
            logger: logger
        )
    }

    static func makeDriver(_ configuration: ServerConfiguration, logger: Logger) async throws -> (any InstanceDriver, NamespaceNetwork?) {
        var options: ServerConfiguration.SandboxOptions
        switch configuration.driver {
        case .simulated:
            return (SimulatedDriver(), nil)
        case .automatic:
            guard configuration.dataDirectory != nil, SandboxDriver.availability() == nil else {
                logger.notice("instances are simulated", metadata: ["reason": "\(SandboxDriver.availability() ?? "no data directory")"])
                return (SimulatedDriver(), nil)
            }
            options = .init()
        case .sandbox(let chosen):
            if let reason = SandboxDriver.availability() { throw DriverError.unavailable(reason) }
            options = chosen
        }
        guard let directory = configuration.dataDirectory else { throw DriverError.unavailable("sandboxes need --data") }
        if options.loopback {
            let network = SandboxNetwork.loopback(address: options.loopbackAddress, portBase: options.loopbackPortBase)
            return (try SandboxDriver(base: directory + "/sandbox", network: network, logger: logger), nil)
        }
        let net = NamespaceNetwork(bridge: options.bridge, prefix: options.subnetPrefix)
        try await net.ensureBridge()
        return (try SandboxDriver(base: directory + "/sandbox", network: .namespaces(net), logger: logger), net)
    }

    static func metadataAddress(_ configuration: ServerConfiguration, network: NamespaceNetwork?) -> (String, Int)? {
        if let listen = configuration.metadataListen {
            return listen == "off" ? nil : ServerConfiguration.parseListen(listen)
        }
        if let network { return (network.metadataAddress, 80) }
        return (configuration.host, configuration.port == 0 ? 0 : configuration.port + 1)
    }
}

extension SecretSealer {
    /// A key for another purpose, derived from the server key so that one file keeps all server secrets.
    func derivedKey(purpose: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: keyForDerivation))
    }
}

/// Closes the store once the server has shut down gracefully.
struct StoreCloser: Service {
    let store: SQLStore

    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
    }
}
