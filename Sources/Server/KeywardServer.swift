import Dialects
import Foundation
import Hummingbird
import KeywardCore
import Logging
import Services
import ServiceLifecycle
import Store

/// Wiring of the control plane: store, services, dialects and the HTTP server. Production and tests both use it.
public enum KeywardServer {
    public static func build(
        configuration: ServerConfiguration,
        logger: Logger,
        onListening: @escaping @Sendable (_ port: Int, _ rootKey: CredentialService.RootKeyOutcome) async -> Void = { _, _ in }
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
        let keyPairs = KeyPairService(store: store, regions: regions, logger: logger)

        var routes = RPCRoutes()
        ECSKeyPairActions(keyPairs: keyPairs, regions: regions).register(into: &routes)
        let alibaba = AlibabaRPCDialect(
            routes: routes, credentials: credentials, nonces: NonceRegistry(store: store), defaultRegionID: regions.defaultRegionID, logger: logger
        )

        let router = Router()
        RPCEndpoint(dialect: alibaba).register(on: router)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Keyward"),
            services: [StoreCloser(store: store)],
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port, rootKey) },
            logger: logger
        )
        return application
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
