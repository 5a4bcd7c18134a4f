import Console
import Crypto
import Dialects
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
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
        public let endpoint: String
        public let port: Int
        public let rootKey: CredentialService.RootKeyOutcome
        public let driver: String
        public let metadataEndpoint: String?
        public let metricsEndpoint: String?
        /// The certificate served, when the API speaks HTTPS.
        public let tls: TLSMaterial?
        /// Root's console password, when made at this start (shown once), else how it was set.
        public let rootPassword: ConsoleSignIn.RootPasswordOutcome?

        public init(endpoint: String, port: Int, rootKey: CredentialService.RootKeyOutcome, driver: String = "simulated",
                    metadataEndpoint: String? = nil, metricsEndpoint: String? = nil, tls: TLSMaterial? = nil,
                    rootPassword: ConsoleSignIn.RootPasswordOutcome? = nil) {
            self.endpoint = endpoint
            self.port = port
            self.rootKey = rootKey
            self.driver = driver
            self.metadataEndpoint = metadataEndpoint
            self.metricsEndpoint = metricsEndpoint
            self.tls = tls
            self.rootPassword = rootPassword
        }
    }

    /// A start-up failure, said in one line with its cause and its fix.
    public struct StartupFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Builds the server. Every check that can fail runs before anything listens; a failure closes what was opened.
    public static func build(
        configuration: ServerConfiguration,
        logger: Logger,
        metrics: ServerMetrics = ServerMetrics(),
        onListening: @escaping @Sendable (StartupInfo) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try check { () throws(ListenAddress.Unavailable) in
            try ListenAddress.checkFree(host: configuration.host, port: configuration.port, option: "--listen")
            if let listen = configuration.metricsListen, listen != "off", let (host, port) = ServerConfiguration.parseListen(listen) {
                try ListenAddress.checkFree(host: host, port: port, option: "--metrics-listen")
            }
        }
        var locks: [HostLock] = []
        if let directory = configuration.dataDirectory {
            locks.append(try DataDirectory.prepare(directory))
        }
        let store: SQLStore
        do {
            if let url = configuration.databaseURL {
                store = try await SQLStore.postgres(url: url, logger: logger)
            } else {
                store = try await SQLStore.sqlite(path: configuration.dataDirectory.map { $0 + "/keyward.sqlite3" }, logger: logger)
            }
        } catch let error as StoreError {
            throw StartupFailure(description: "the database cannot be opened: \(error.message)")
        }
        do {
            return try await assemble(configuration, store: store, locks: locks, logger: logger, metrics: metrics, onListening: onListening)
        } catch {
            await store.close()
            throw error
        }
    }

    private static func assemble(
        _ configuration: ServerConfiguration,
        store: SQLStore,
        locks: [HostLock],
        logger: Logger,
        metrics: ServerMetrics,
        onListening: @escaping @Sendable (StartupInfo) async -> Void
    ) async throws -> some ApplicationProtocol {
        var locks = locks
        let sealer: SecretSealer
        if let source = configuration.serverKey {
            sealer = try await openServerKey(source, store: store, sharedDatabase: configuration.databaseURL != nil, hostID: configuration.hostID)
        } else {
            sealer = SecretSealer(key: .init(size: .bits256))
        }
        let tls: TLSMaterial?
        switch configuration.transport {
        case .plainHTTP: tls = nil
        case .tls(let certificate, let key): tls = try check { () throws(TLSMaterial.Failure) in try TLSMaterial.load(certificate: certificate, key: key) }
        case .selfSignedTLS:
            guard let directory = configuration.dataDirectory else { throw StartupFailure(description: "a self-signed certificate needs --data") }
            tls = try check { () throws(TLSMaterial.Failure) in try TLSMaterial.selfSigned(in: directory, listenHost: configuration.host) }
        }

        let regions = RegionCatalog.standard
        let credentials = CredentialService(store: store, sealer: sealer)
        let rootKey = try await credentials.ensureRootAccessKey(configured: configuration.rootAccessKey)
        let signIn = ConsoleSignIn(store: store, lifetimes: configuration.consoleLifetimes, logger: logger)
        let rootPassword = try await signIn.ensureRootPassword(configured: configuration.rootPassword)
        let (driver, network) = try await makeDriver(configuration, locks: &locks, logger: logger)
        let keyPool = KeyPool()
        let keyPairs = KeyPairService(store: store, regions: regions, logger: logger, keys: keyPool)
        let instances = InstanceService(
            store: store, driver: driver, regions: regions, logger: logger, hostID: configuration.hostID,
            jobs: JobWorker(store: store, hostID: configuration.hostID, logger: logger, concurrency: configuration.instanceJobs)
        )
        let images = ImageService(store: store, driver: driver, regions: regions, logger: logger)
        let agents = AgentService(store: store, regions: regions, logger: logger)

        var closer = StoreCloser(store: store, locks: locks)
        closer.keyPool = keyPool
        closer.jobs = instances.jobs
        var services: [any Service] = []
        var metadataEndpoint: String?
        if let (host, port) = metadataAddress(configuration, network: network) {
            try check { () throws(ListenAddress.Unavailable) in try ListenAddress.checkFree(host: host, port: port, option: "--metadata-listen") }
            let metadata = MetadataService(store: store, tokenKey: sealer.derivedKey(purpose: "metadata-token"), namedInstances: network == nil)
            services.append(Application(
                router: MetadataEndpoint.router(service: metadata),
                configuration: .init(address: .hostname(host, port: port), serverName: "Keyward metadata"),
                logger: logger
            ))
            if let network, case .translated = network.metadataRoute {
                metadataEndpoint = "http://\(network.metadataAddress) inside each instance (served at \(host):\(port))"
            } else {
                metadataEndpoint = "http://\(host):\(port)"
            }
        }
        try await images.preparePublicImages()
        await instances.reconcile()
        let gateway = AccessGateway(store: store, logger: logger)
        let runner = ScalingActivityRunner(
            store: store, instances: instances, gateway: gateway, logger: logger, describeError: AlibabaRPCDialect.describeScalingFailure
        )
        // One worker per server runs this host's instance jobs and any server's Auto Scaling jobs.
        await instances.jobs.start({ job in try await runner.runJob(job) }, abandon: { job, reason in await runner.abandonJob(job, reason: reason) })
        await runner.resume()
        await runner.startHealthChecks(every: .seconds(5))
        closer.scalingRunner = runner
        let ram = RAMService(store: store, sealer: sealer, logger: logger)
        let audit = AuditService(store: store)
        let scaling = AutoScalingService(store: store, regions: regions, images: images, runner: runner, logger: logger)
        let routes = RPCRoutes.alibaba(AlibabaServices(
            keyPairs: keyPairs, instances: instances, images: images, agents: agents, ram: ram, sts: STSService(store: store, sealer: sealer),
            directory: DirectoryService(store: store), audit: audit, scaling: scaling, regions: regions
        ))
        let alibaba = AlibabaRPCDialect(
            routes: routes, credentials: credentials, gateway: gateway, defaultRegionID: regions.defaultRegionID, logger: logger
        )
        let tencent = TencentCloudDialect(
            handlers: TencentCloudDialect.cvm(keyPairs: keyPairs, instances: instances, images: images, regions: regions), credentials: credentials, gateway: gateway,
            logger: logger
        )

        let router = Router(context: PeerRequestContext.self)
        RPCEndpoint(dialects: [tencent, alibaba], metrics: metrics, secure: tls != nil).register(on: router)
        AgentEndpoint(agents: agents).register(on: router)
        try ConsoleEndpoint(
            services: ConsoleServices(signIn: signIn, gateway: gateway, keyPairs: keyPairs, instances: instances, images: images, ram: ram, audit: audit,
                                      scaling: scaling, regions: regions),
            secure: tls != nil, logger: logger
        ).register(on: router)
        HealthEndpoint(store: store).register(on: router)
        var metricsEndpoint: String?
        switch configuration.metricsListen {
        case nil:
            MetricsEndpoint(metrics: metrics, store: store).register(on: router)
            metricsEndpoint = "/metrics on the API listener"
        case "off":
            break
        case let listen?:
            if let (host, port) = ServerConfiguration.parseListen(listen) {
                let metricsRouter = Router(context: PeerRequestContext.self)
                MetricsEndpoint(metrics: metrics, store: store).register(on: metricsRouter)
                services.append(Application(router: metricsRouter, configuration: .init(address: .hostname(host, port: port), serverName: "Keyward metrics"),
                                            logger: logger))
                metricsEndpoint = "http://\(host):\(port)/metrics"
            }
        }

        let server: HTTPServerBuilder = if let tls { try .http2Upgrade(tlsConfiguration: tls.configuration) } else { .http1() }
        let driverDescription = driver.description
        let metadata = metadataEndpoint
        let metricsAt = metricsEndpoint
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Keyward"),
            services: [closer] + services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                await onListening(StartupInfo(endpoint: configuration.endpoint(port: port), port: port, rootKey: rootKey, driver: driverDescription,
                                              metadataEndpoint: metadata, metricsEndpoint: metricsAt, tls: tls, rootPassword: rootPassword))
            },
            logger: logger
        )
    }

    /// Runs a start-up step whose errors already say what to do, turning them into a ``StartupFailure``.
    private static func check<T, E: Error & CustomStringConvertible>(_ step: () throws(E) -> T) throws(StartupFailure) -> T {
        do { return try step() } catch { throw StartupFailure(description: error.description) }
    }

    /// Proves the server key against the store. On a shared database this server's heartbeat is recorded first (and
    /// forgotten if the key fails): a key rotation either sees it and is refused, or holds it back until its commit, and
    /// the key is then proved against the re-sealed store.
    private static func openServerKey(_ source: ServerKey.Source, store: SQLStore, sharedDatabase: Bool, hostID: String) async throws -> SecretSealer {
        guard sharedDatabase else { return try await check { try await ServerKey.open(source, store: store) } }
        let starting = hostID + "/starting-" + UUID().uuidString.lowercased()
        try await store.write { tx in try await tx.recordHeartbeat(hostID: hostID, worker: starting, at: Date()) }
        do {
            return try await check { try await ServerKey.open(source, store: store) }
        } catch {
            try? await store.write { tx in try await tx.deleteHeartbeat(hostID: hostID, worker: starting) }
            throw error
        }
    }

    private static func check<T>(_ step: () async throws -> T) async throws -> T {
        do {
            return try await step()
        } catch let failure as ServerKey.Failure {
            throw StartupFailure(description: failure.description)
        }
    }

    static func makeDriver(_ configuration: ServerConfiguration, locks: inout [HostLock], logger: Logger) async throws -> (any InstanceDriver, NamespaceNetwork?) {
        var options: ServerConfiguration.SandboxOptions
        switch configuration.driver {
        case .simulated:
            return (SimulatedDriver(), nil)
        case .automatic(let chosen):
            guard configuration.dataDirectory != nil, SandboxDriver.availability(loopback: chosen.loopback) == nil else {
                let reason = SandboxDriver.availability(loopback: chosen.loopback) ?? "no data directory"
                logger.notice("instances are simulated", metadata: ["reason": "\(reason)"])
                return (SimulatedDriver(), nil)
            }
            options = chosen
        case .sandbox(let chosen):
            if let reason = SandboxDriver.availability(loopback: chosen.loopback) { throw StartupFailure(description: "sandbox instances are unavailable: \(reason)") }
            options = chosen
        }
        guard let directory = configuration.dataDirectory else { throw DriverError.unavailable("sandboxes need --data") }
        let timeout = configuration.startTimeout
        if options.loopback {
            let network = SandboxNetwork.loopback(address: options.loopbackAddress, portBase: options.loopbackPortBase)
            return (try SandboxDriver(base: directory + "/sandbox", network: network, startTimeout: timeout, logger: logger), nil)
        }
        let plain = NamespaceNetwork(bridge: options.bridge, subnet: options.subnet)
        do {
            locks += try plain.claim(dataDirectory: directory)
        } catch {
            throw StartupFailure(description: "\(error)")
        }
        let route = try metadataRoute(configuration.metadataListen, network: plain, dataDirectory: directory, locks: &locks, logger: logger)
        let net = NamespaceNetwork(bridge: options.bridge, subnet: options.subnet, metadataRoute: route)
        try await net.ensureBridge()
        return (try SandboxDriver(base: directory + "/sandbox", network: .namespaces(net), startTimeout: timeout, logger: logger), net)
    }

    /// How this server's guests reach the metadata service. The first server on a host holds 100.100.100.200:80 on its
    /// bridge; a later one (the address's lock is held) listens on its own bridge's host address instead, and its guests'
    /// connections to 100.100.100.200:80 are translated there.
    private static func metadataRoute(
        _ listen: String?, network: NamespaceNetwork, dataDirectory: String, locks: inout [HostLock], logger: Logger
    ) throws -> NamespaceNetwork.MetadataRoute {
        let standard = network.metadataAddress + ":80"
        switch listen {
        case "off"?:
            return .none
        case nil, standard?:
            do {
                locks.append(try network.claimMetadataAddress(dataDirectory: dataDirectory))
                return .onBridge
            } catch {
                guard listen == nil, case .held(_, let holder) = error else {
                    throw StartupFailure(description: "cannot listen on --metadata-listen \(standard): \(error); leave --metadata-listen unset, "
                                         + "and this server's guests reach its metadata service through address translation")
                }
                logger.notice("the metadata address is held by another server: guests reach this server's metadata service through address translation",
                              metadata: ["holder": "\(holder)", "service": "\(network.translatedMetadataService)"])
                return .translated(to: network.translatedMetadataService)
            }
        case let listen?:
            guard let (host, _) = ServerConfiguration.parseListen(listen), host == network.hostAddress else {
                throw StartupFailure(description: "--metadata-listen \(listen): in namespaces mode the metadata service listens on \(standard) "
                                     + "or on this server's bridge address \(network.hostAddress):PORT, which guests can reach")
            }
            return .translated(to: listen)
        }
    }

    static func metadataAddress(_ configuration: ServerConfiguration, network: NamespaceNetwork?) -> (String, Int)? {
        if let network {
            switch network.metadataRoute {
            case .none: return nil
            case .onBridge: return (network.metadataAddress, 80)
            case .translated(let target): return ServerConfiguration.parseListen(target)
            }
        }
        if let listen = configuration.metadataListen {
            return listen == "off" ? nil : ServerConfiguration.parseListen(listen)
        }
        return (configuration.host, configuration.port == 0 ? 0 : configuration.port + 1)
    }
}

extension SecretSealer {
    /// A key for another purpose, derived from the server key so that one file keeps all server secrets.
    func derivedKey(purpose: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: keyForDerivation))
    }
}

/// Closes the store once the server has shut down, then lets go of the host locks.
struct StoreCloser: Service {
    let store: SQLStore
    let locks: [HostLock]
    /// Set once the runner exists: its health checks stop before the store closes (activities resume at the next start).
    var scalingRunner: ScalingActivityRunner?
    /// Its pre-generated private keys are dropped at shutdown.
    var keyPool: KeyPool?

    /// Stops claiming jobs before the store closes (running ones finish, or run again at the next start).
    var jobs: JobWorker?

    func run() async throws {
        try? await gracefulShutdown()
        keyPool?.discard()
        await jobs?.stop()
        await scalingRunner?.stopHealthChecks()
        await store.close()
        withExtendedLifetime(locks) {}
    }
}
