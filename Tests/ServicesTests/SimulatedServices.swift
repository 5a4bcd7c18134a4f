import Foundation
import Instances
import KeywardCore
import Logging
import Services
import Store

/// An in-memory store with the default account and the public images, over the simulated driver.
struct SimulatedServices {
    let logger = Logger(label: "test")
    let store: SQLStore
    let driver = SimulatedDriver()
    let regions = RegionCatalog.standard
    let account = CredentialService.defaultAccountID

    init() async throws {
        store = try await SQLStore.sqlite(path: nil, logger: logger)
        let account = account
        try await store.write { tx in try await tx.insertAccount(id: account, name: "a", createdAt: Date()) }
        try await ImageService(store: store, driver: driver, regions: regions, logger: logger).preparePublicImages()
    }

    var instances: InstanceService { InstanceService(store: store, driver: driver, regions: regions, logger: logger) }
}
