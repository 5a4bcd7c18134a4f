import Foundation
import Instances
import KeywardCore
import Logging
import SSHKeys
import Store

/// The instance use cases: run, start, stop, reboot, delete, modify, bind key pairs, replace the system disk.
/// Credentials given here are *bound* at once and become *effective* at the next start or reboot.
public struct InstanceService: Sendable {
    let store: any Store
    let driver: any InstanceDriver
    let regions: RegionCatalog
    let logger: Logger
    let locks = InstanceLocks()
    /// How many instances a batch call (DeleteInstances, TerminateInstances, …) works on at once.
    public static let batchWidth = 8
    /// The host this server's driver runs instances on; instances of other hosts are theirs to change.
    let hostID: String
    /// Runs this host's launch jobs; start it with `runJob` (until then, a launch runs its jobs itself before returning).
    public let jobs: JobWorker

    public init(
        store: any Store, driver: any InstanceDriver, regions: RegionCatalog, logger: Logger, hostID: String = "local", jobs: JobWorker? = nil
    ) {
        self.store = store
        self.driver = driver
        self.regions = regions
        self.logger = logger
        self.hostID = hostID
        self.jobs = jobs ?? JobWorker(store: store, hostID: hostID, logger: logger)
    }

    /// What RunInstances and CreateInstance take.
    public struct LaunchRequest: Sendable {
        public var regionID: String
        public var imageID: String
        public var instanceType: String
        public var amount: Int = 1
        public var instanceName: String?
        public var hostName: String?
        /// Whose rule the instance name follows.
        public var nameRule: InstanceRules.NameRule = .ecs
        /// Appends `001`, `002`, … to the names of a batch, as ECS's UniqueSuffix does; otherwise a batch shares them.
        public var uniqueSuffix: Bool = false
        /// The zone, when the request names one; it must be a zone of the region.
        public var zoneID: String?
        /// Bound at launch (ECS names one, CVM several by id).
        public var keyPairs: KeyPairService.Selection?
        public var password: String?
        /// A password already hashed (a scaling configuration keeps only the hash); exclusive with `password`.
        public var passwordHash: String?
        /// The rule `password` must follow for the image's system: the calling vendor's.
        public var passwordPolicy: @Sendable (OSType) -> PasswordPolicy = { _ in .ecs }
        /// Checks everything a launch would, then creates nothing and returns no ids.
        public var dryRun: Bool = false
        /// With neither key pair, password nor PasswordInherit: a random password nobody is told (CVM), instead of none (ECS).
        public var unknownPasswordWhenNoLogin: Bool = false
        public var passwordInherit: Bool = false
        public var userData: String = ""
        public var metadataTokensRequired: Bool = false
        public var metadataEnabled: Bool = true
        /// RunInstances starts the instances; CreateInstance leaves them Stopped.
        public var start: Bool = true
        /// Runs inside the transaction that records the instances (Auto Scaling records its members there), so that both
        /// commit or neither does.
        public var alsoRecord: (@Sendable (any StoreTransaction, [Instance]) async throws -> Void)?
        /// Makes a repeated call return the first one's instances (ECS's and CVM's ClientToken).
        public var clientToken: String?
        /// Waits until every instance's launch job has settled (Auto Scaling judges an activity by its instances); a call
        /// otherwise returns once the instances are recorded Pending, as ECS and CVM do.
        public var awaitLaunch: Bool = false
        /// With `awaitLaunch`: whether a launch that fails fails the call, after the others have settled.
        public var failOnBootFailure: Bool = true

        public init(regionID: String, imageID: String, instanceType: String) {
            self.regionID = regionID
            self.imageID = imageID
            self.instanceType = instanceType
        }
    }

    public static let amountLimit = 100

    /// Creates `amount` instances with their own credentials, started unless asked otherwise. Returns their ids.
    public func launch(_ call: AuthorizedCall, _ request: LaunchRequest) async throws -> [String] {
        try call.expect("ecs:RunInstances", "ecs:CreateInstance")
        let principal = call.principal
        let region = try regions.region(request.regionID)
        guard (1...Self.amountLimit).contains(request.amount) else {
            throw DomainError.invalidParameter(name: "Amount", reason: "must be 1 to \(Self.amountLimit)")
        }
        if let name = request.instanceName { try InstanceRules.validateInstanceName(name, rule: request.nameRule) }
        if let host = request.hostName { try InstanceRules.validateHostName(host) }
        if let zone = request.zoneID, !region.zones.contains(where: { $0.id == zone }) { throw DomainError.zoneNotInRegion(zone: zone, region: region.id) }
        if request.passwordInherit, request.password != nil { throw DomainError.passwordInheritWithPassword }
        let image = try await usableImage(request.imageID, principal: principal, regionID: region.id)
        if let password = request.password { try request.passwordPolicy(image.osType).validate(password) }
        try call.require([.all], conditions: Self.imageConditions(image, accountID: principal.accountID))
        if request.passwordInherit, !image.presetPasswordUsers.contains("root") { throw DomainError.imageHasNoPresetPassword }

        var credentials = InstanceCredentials(passwordInherited: request.passwordInherit)
        if let password = request.password { credentials.setPassword(hash: await PasswordHashing.hash(password)) }
        if let hash = request.passwordHash { credentials.setPassword(hash: hash) }
        if let selection = request.keyPairs {
            try InstanceRules.checkKeyPairAllowedAtLaunch(osType: image.osType, instanceType: request.instanceType)
            credentials.bind(try await findKeyPairs(selection, principal: principal, regionID: region.id).map(BoundKeyPair.init))
        }
        let token = try request.clientToken.map { token throws(DomainError) in try ClientToken(token, parameters: request.idempotenceParameters) }
        if request.dryRun { return [] }

        let requestID = call.context.requestID
        let hostID = self.hostID
        let operation = InstanceOperation(kind: .launch, state: .operating, requestID: requestID, startTime: Date())
        let batch = await records(request: request, image: image, credentials: credentials, operation: operation, principal: principal, regionID: region.id)
        for instance in batch { call.noteResource(.ecs("instance/\(instance.id)")) }
        let boot = request.start
        // The records (and the quota they take) and their launch jobs commit together, before any disk is copied: a
        // server that dies after the commit leaves jobs that another run finishes.
        let action = call.operation.action
        let accountID = principal.accountID
        let previous = try await call.write { tx -> [String]? in
            if let token, let previous = try await token.previous(action: action, accountID: accountID, in: tx) { return previous }
            for instance in batch {
                try await tx.insertInstance(instance, quota: Instance.quotaPerRegion)
                try await tx.insertJob(Job(kind: .launch, hostID: hostID, instanceID: instance.id, boot: boot, requestID: requestID, now: Date()))
            }
            try await request.alsoRecord?(tx, batch)
            try await token?.record(batch.map(\.id), action: action, accountID: accountID, in: tx)
            return nil
        }
        if let previous { return previous }
        let created = batch.map(\.id)
        logger.info("instances recorded", metadata: ["count": "\(created.count)", "image": "\(image.id)", "region": "\(region.id)"])
        if jobs.isRunning {
            jobs.wake()
        } else {
            await jobs.runQueued(runJob, abandon: abandonJob)
        }
        if request.awaitLaunch {
            let failures = try await settledLaunches(created)
            if failures > 0, request.failOnBootFailure {
                throw DomainError.internalFailure("\(failures) of \(created.count) instances failed to start")
            }
        }
        return created
    }

    /// The condition keys a policy can put on the image an instance is launched from (known once the image is loaded).
    static func imageConditions(_ image: Image, accountID: String) -> [String: [String]] {
        [
            "ecs:ImageOwnerId": [image.ownerAccountID ?? "system"],
            "ecs:ImageSource": [image.isPublic ? "system" : (image.ownerAccountID == accountID ? "self" : "others")],
            "ecs:ImagePlatform": [image.platform],
        ]
    }

    /// The records of a batch, Pending; their disks come from the launch jobs.
    private func records(
        request: LaunchRequest, image: Image, credentials: InstanceCredentials, operation: InstanceOperation, principal: Principal, regionID: String
    ) async -> [Instance] {
        var instances: [Instance] = []
        for index in 0..<request.amount {
            let id = ResourceID.make(prefix: "i")
            let suffix = request.uniqueSuffix && request.amount > 1 ? String(format: "%03d", index + 1) : ""
            let name = request.instanceName.map { $0 + suffix } ?? id
            let host = request.hostName.map { $0 + suffix } ?? ("iZ" + id.dropFirst(2) + "Z")
            var credentials = credentials
            if credentials.keyPairs.isEmpty, credentials.passwordHash == nil, !credentials.passwordInherited, request.unknownPasswordWhenNoLogin {
                // Each instance its own: instances of one batch never share a password.
                credentials.setPassword(hash: await PasswordHashing.hash(RandomText.alphanumeric(count: 24)))
            }
            var instance = Instance(
                id: id, accountID: principal.accountID, regionID: regionID, name: name, hostName: host, imageID: image.id,
                instanceType: request.instanceType, osType: image.osType, status: .pending, bound: credentials,
                effective: nil, firstBootPending: true, passwordInherit: request.passwordInherit, endpoint: nil, userData: request.userData,
                metadataTokensRequired: request.metadataTokensRequired, metadataEnabled: request.metadataEnabled, creationTime: Date(),
                startTime: nil, firstBootReport: []
            )
            instance.zoneID = request.zoneID ?? (try? regions.region(regionID))?.zones.first?.id
            instance.latestOperation = operation
            instance.hostID = hostID
            instances.append(instance)
        }
        return instances
    }

    // MARK: Attributes and credentials

    /// Changes name, host name or password; password and host name take effect at the next start or reboot.
    public func modify(_ call: AuthorizedCall, instanceID: String, name: String?, hostName: String?, password: String?) async throws {
        try call.expect("ecs:ModifyInstanceAttribute")
        let principal = call.principal
        if let name { try InstanceRules.validateInstanceName(name) }
        if let hostName { try InstanceRules.validateHostName(hostName) }
        if let password { try PasswordPolicy.ecs.validate(password) }
        let hash: String? = if let password { await PasswordHashing.hash(password) } else { nil }
        if hash != nil { call.note("change", "password reset; effective at the next start") }
        try await locks.with(instanceID) {
            try await call.write { tx in
                guard var instance = try await tx.instance(id: instanceID, accountID: principal.accountID) else {
                    throw DomainError.instanceNotFound(instanceID)
                }
                try Self.requireInRegion(instance, call)
                if hash != nil { try InstanceRules.check(.modifyPassword, status: instance.status) }
                if let name { instance.name = name }
                if let hostName { instance.hostName = hostName }
                if let hash { instance.bound.setPassword(hash: hash) }
                try await tx.updateInstance(instance)
            }
        }
    }

    /// The outcome for one instance of a batch key pair operation.
    public struct BatchResult: Sendable, Equatable {
        public let instanceID: String
        public let error: DomainError?
    }

    public static let batchLimit = 50

    /// Binds the key pair to each instance (replacing any other); effective at the next start or reboot.
    public func attachKeyPair(_ call: AuthorizedCall, regionID: String, keyPairName: String, instanceIDs: [String]) async throws -> [BatchResult] {
        try call.expect("ecs:AttachKeyPair")
        let principal = call.principal
        let region = try regions.region(regionID)
        try Self.checkBatch(instanceIDs)
        let keyPairs = try await findKeyPairs(.names([keyPairName]), principal: principal, regionID: region.id)
        call.note("change", "key pair \(keyPairName) attached; effective at the next start")
        return try await perInstance(instanceIDs, call: call, regionID: region.id) { instance in
            try InstanceRules.checkKeyPairAllowed(osType: instance.osType, instanceType: instance.instanceType)
            instance.bound.bind(keyPairs.map(BoundKeyPair.init))
        }
    }

    /// Unbinds the key pair from each instance that has it; password logon returns at the next start if a password is set.
    public func detachKeyPair(_ call: AuthorizedCall, regionID: String, keyPairName: String, instanceIDs: [String]) async throws -> [BatchResult] {
        try call.expect("ecs:DetachKeyPair")
        let principal = call.principal
        let region = try regions.region(regionID)
        try Self.checkBatch(instanceIDs)
        let exists = try await store.read { tx in
            let registered = try await tx.keyPairs(matching: KeyPairQuery(accountID: principal.accountID, regionID: region.id, names: [keyPairName]), page: nil)
            // A key pair deleted while bound is still known by the instances that carry it.
            let carriers = try await tx.instances(matching: InstanceQuery(accountID: principal.accountID, regionID: region.id, keyPairName: keyPairName), page: nil)
            return registered.totalCount > 0 || carriers.totalCount > 0
        }
        guard exists else { throw DomainError.keyPairNotFound(keyPairName) }
        call.note("change", "key pair \(keyPairName) detached; effective at the next start")
        return try await perInstance(instanceIDs, call: call, regionID: region.id) { instance in
            guard instance.osType == .linux else { throw DomainError.windowsInstanceKeyPair }
            guard instance.bound.keyPairNames.contains(keyPairName) else {
                throw DomainError.invalidParameter(name: "KeyPairName", reason: "the key pair is not bound to this instance")
            }
            instance.bound.remove(keyPairName: keyPairName)
        }
    }

    static func checkBatch(_ ids: [String], limit: Int = batchLimit) throws(DomainError) {
        guard !ids.isEmpty, ids.count <= limit else { throw .invalidInstanceIDs(reason: "1 to \(limit) instance ids") }
        guard Set(ids).count == ids.count else { throw .invalidInstanceIDs(reason: "an instance id is repeated") }
    }

    private func perInstance(
        _ ids: [String], call: AuthorizedCall, regionID: String, _ change: @escaping @Sendable (inout Instance) throws -> Void
    ) async throws -> [BatchResult] {
        var results: [BatchResult] = []
        for id in ids {
            do {
                try await locks.with(id) {
                    try await call.write { tx in
                        guard var instance = try await tx.instance(id: id, accountID: call.accountID), instance.regionID == regionID else {
                            throw DomainError.instanceNotFound(id)
                        }
                        try change(&instance)
                        try await tx.updateInstance(instance)
                    }
                }
                results.append(BatchResult(instanceID: id, error: nil))
            } catch let error as DomainError {
                results.append(BatchResult(instanceID: id, error: error))
            }
        }
        return results
    }

    /// Re-initialises the system disk from an image with new credentials (instance stopped).
    public func replaceSystemDisk(
        _ call: AuthorizedCall, instanceID: String, imageID: String?, password: String?, keyPairName: String?, passwordInherit: Bool
    ) async throws {
        try call.expect("ecs:ReplaceSystemDisk")
        let principal = call.principal
        if passwordInherit, password != nil { throw DomainError.passwordInheritWithPassword }
        if let password { try PasswordPolicy.ecs.validate(password) }
        let instance = try await owned(instanceID, call)
        guard instance.agent == nil else { throw DomainError.invalidParameter(name: "InstanceId", reason: "the system disk of an agent host is its own") }
        try InstanceRules.check(.replaceSystemDisk, status: instance.status)
        let image = try await usableImage(imageID ?? instance.imageID, principal: principal, regionID: instance.regionID)
        try call.require(call.operation.resources, conditions: Self.imageConditions(image, accountID: principal.accountID))
        if passwordInherit, !image.presetPasswordUsers.contains("root") { throw DomainError.imageHasNoPresetPassword }
        var credentials = InstanceCredentials(passwordInherited: passwordInherit)
        if let password { credentials.setPassword(hash: await PasswordHashing.hash(password)) }
        if let keyPairName {
            try InstanceRules.checkKeyPairAllowedAtLaunch(osType: image.osType, instanceType: instance.instanceType)
            credentials.bind(try await findKeyPairs(.names([keyPairName]), principal: principal, regionID: instance.regionID).map(BoundKeyPair.init))
        }
        guard image.osType == instance.osType else {
            throw DomainError.invalidParameter(name: "ImageId", reason: "the image's operating system differs from the instance's")
        }
        let bound = credentials
        try await exclusive(instanceID) {
            let current = try await self.owned(instanceID, call)
            try InstanceRules.check(.replaceSystemDisk, status: current.status)
            if image.osType == .linux { try await self.driver.replaceDisk(instanceID: instanceID, imageID: image.id) }
            try await call.write { tx in
                guard var current = try await tx.instance(id: instanceID, accountID: principal.accountID) else { throw DomainError.instanceNotFound(instanceID) }
                current.imageID = image.id
                current.osType = image.osType
                current.bound = bound
                current.passwordInherit = passwordInherit
                current.firstBootPending = true
                try await tx.updateInstance(current)
            }
        }
    }

    // MARK: Queries

    /// The caller's instances matching `query`, one page. A caller allowed on only some instances sees only those: the
    /// others are filtered out before paging.
    public func describe(_ call: AuthorizedCall, query: InstanceQuery, page: PageRequest) async throws -> Page<Instance> {
        if let region = query.regionID { _ = try regions.region(region) }
        var scoped = query
        scoped.accountID = call.accountID
        let final = scoped
        let found: Page<Instance>
        if call.isUnrestricted {
            found = try await store.read { tx in try await tx.instances(matching: final, page: page) }
        } else {
            let all = try await store.read { tx in try await tx.instances(matching: final, page: nil) }.items
            let visible = all.filter { instance in
                call.isAllowed([.ecsIn(region: instance.regionID, "instance/\(instance.id)")])
            }
            found = Page(items: Array(visible.dropFirst(page.offset).prefix(page.size)), totalCount: visible.count, request: page)
        }
        return Page(items: try await withKeyPairIDs(found.items), totalCount: found.totalCount, request: page)
    }

    /// The tags of the caller's instances, by instance id.
    public func tags(_ call: AuthorizedCall, instanceIDs: [String]) async throws -> [String: [Tag]] {
        guard !instanceIDs.isEmpty else { return [:] }
        return try await store.read { tx in try await tx.tags(resourceType: ResourceType.instance, resourceIDs: instanceIDs) }
    }

    /// Records bound before key pair ids were captured get them from the key pairs of the same name (shown, not stored).
    private func withKeyPairIDs(_ instances: [Instance]) async throws -> [Instance] {
        let lacking = instances.filter { $0.bound.keyPairs.contains { $0.keyPairID == nil } }
        guard !lacking.isEmpty else { return instances }
        return try await store.read { tx in
            var completed = instances
            for index in completed.indices where completed[index].bound.keyPairs.contains(where: { $0.keyPairID == nil }) {
                let instance = completed[index]
                let names = instance.bound.keyPairs.filter { $0.keyPairID == nil }.map(\.name)
                let query = KeyPairQuery(accountID: instance.accountID, regionID: instance.regionID, names: names)
                let registered = try await tx.keyPairs(matching: query, page: nil).items
                func completing(_ credentials: InstanceCredentials) -> InstanceCredentials {
                    var completed = credentials
                    completed.bind(credentials.keyPairs.map { bound in
                        guard bound.keyPairID == nil, let keyPair = registered.first(where: { $0.name == bound.name }) else { return bound }
                        return BoundKeyPair(name: bound.name, publicKey: bound.publicKey, keyPairID: keyPair.id)
                    })
                    return completed
                }
                // Both states alike, so that the completion is no pending change.
                completed[index].bound = completing(instance.bound)
                completed[index].effective = instance.effective.map(completing)
            }
            return completed
        }
    }

    /// The caller's instance with where its root filesystem is on this host (nil for agent hosts and state-only
    /// instances), for the console's login diagnosis. Authorised as a read of the instance.
    public func localRoot(_ call: AuthorizedCall, instanceID: String) async throws -> (instance: Instance, root: LocalRoot?) {
        try call.expect("ecs:DescribeInstances")
        let instance = try await owned(instanceID, call)
        let local = instance.agent == nil && (instance.hostID.isEmpty || instance.hostID == hostID)
        return (instance, local ? driver.localRoot(instanceID: instanceID) : nil)
    }

    /// Runs `body` holding the instance's lock, once it is sure that this server's driver runs the instance's system (an
    /// instance of another host of the deployment is refused with `DomainError.instanceOnAnotherHost`).
    func exclusive<T: Sendable>(_ instanceID: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await locks.with(instanceID) {
            if let instance = try await self.store.read({ tx in try await tx.instance(id: instanceID, accountID: nil) }),
               instance.agent == nil, !instance.hostID.isEmpty, instance.hostID != self.hostID {
                throw DomainError.instanceOnAnotherHost(instanceID: instanceID, hostID: instance.hostID)
            }
            return try await body()
        }
    }

    /// The caller's instance, authorised again by the ARN of its own region (the request's `RegionId` names no instance).
    func owned(_ instanceID: String, _ call: AuthorizedCall) async throws -> Instance {
        guard let instance = try await store.read({ tx in try await tx.instance(id: instanceID, accountID: call.accountID) }) else {
            throw DomainError.instanceNotFound(instanceID)
        }
        try Self.requireInRegion(instance, call)
        return instance
    }

    static func requireInRegion(_ instance: Instance, _ call: AuthorizedCall) throws(AccessDenied) {
        try call.require([.ecsIn(region: instance.regionID, "instance/\(instance.id)")])
    }

    /// A public image, or the caller's own image of this region.
    private func usableImage(_ imageID: String, principal: Principal, regionID: String) async throws -> Image {
        try await ImageService.usableImage(imageID, accountID: principal.accountID, regionID: regionID, in: store)
    }

    /// The selected key pairs of the caller in the region, in the order named; any unknown one fails the call.
    func findKeyPairs(_ selection: KeyPairService.Selection, principal: Principal, regionID: String) async throws -> [KeyPair] {
        var query = KeyPairQuery(accountID: principal.accountID, regionID: regionID)
        switch selection {
        case .names(let names): query.names = names
        case .shortIDs(let ids): query.shortIDs = ids
        }
        let found = try await store.read { [query] tx in try await tx.keyPairs(matching: query, page: nil).items }
        switch selection {
        case .names(let names):
            return try names.map { name throws(DomainError) in
                guard let keyPair = found.first(where: { $0.name == name }) else { throw .keyPairNotFound(name) }
                return keyPair
            }
        case .shortIDs(let ids):
            return try ids.map { id throws(DomainError) in
                guard let keyPair = found.first(where: { $0.shortID == id }) else { throw .keyPairIDNotFound(id) }
                return keyPair
            }
        }
    }
}

extension InstanceService.LaunchRequest {
    /// What makes two launches the same call, for ClientToken (the password as its digest).
    var idempotenceParameters: [String] {
        [
            regionID, imageID, instanceType, String(amount), instanceName ?? "-", hostName ?? "-", String(uniqueSuffix), zoneID ?? "-",
            keyPairs.map { String(describing: $0) } ?? "-", ClientToken.secretDigest(password), passwordHash ?? "-", String(passwordInherit),
            userData, String(metadataTokensRequired), String(metadataEnabled), String(start),
        ]
    }
}
