import Foundation
import Instances
import KeywardCore
import Logging
import Store

/// Images: the public ones Keyward prepares on first start, and custom images captured from instances.
public struct ImageService: Sendable {
    let store: any Store
    let driver: any InstanceDriver
    let regions: RegionCatalog
    let logger: Logger

    public init(store: any Store, driver: any InstanceDriver, regions: RegionCatalog, logger: Logger) {
        self.store = store
        self.driver = driver
        self.regions = regions
        self.logger = logger
    }

    /// The public images every account sees.
    public static let linuxImageID = "debian_12_x64_keyward.vhd"
    public static let windowsImageID = "win2022_datacenter_x64_keyward.vhd"

    /// Registers the public images (the Linux one built from the host system; Windows as state only) if missing.
    public func preparePublicImages() async throws {
        try await driver.preparePublicImage(id: Self.linuxImageID)
        let existing = try await store.read { tx in try await tx.image(id: Self.linuxImageID) != nil }
        guard !existing else { return }
        let now = Date()
        try await store.write { tx in
            try await tx.insertImage(Image(
                id: Self.linuxImageID, ownerAccountID: nil, regionID: nil, name: "Debian 12 64-bit (Keyward)", osType: .linux,
                platform: "Debian", osName: "Debian 12 64位", sourceInstanceID: nil, creationTime: now, presetPasswordUsers: [], presetKeyCount: 0
            ))
            if try await tx.image(id: Self.windowsImageID) == nil {
                try await tx.insertImage(Image(
                    id: Self.windowsImageID, ownerAccountID: nil, regionID: nil, name: "Windows Server 2022 Datacenter (state only)",
                    osType: .windows, platform: "Windows Server 2022", osName: "Windows Server 2022 数据中心版 64位", sourceInstanceID: nil,
                    creationTime: now, presetPasswordUsers: [], presetKeyCount: 0
                ))
            }
        }
        logger.info("public images registered", metadata: ["linux": "\(Self.linuxImageID)", "windows": "\(Self.windowsImageID)"])
    }

    /// Captures the instance's root state, preset credentials included, as a custom image.
    public func createImage(
        _ call: AuthorizedCall, regionID: String, instanceID: String, name: String?, description: String = "", nameRule: InstanceRules.NameRule = .ecs,
        clientToken: String? = nil
    ) async throws -> String {
        let principal = call.principal
        let region = try regions.region(regionID)
        if let name { try Image.validateName(name, rule: nameRule) }
        guard description.count <= 256 else { throw DomainError.invalidParameter(name: "Description", reason: "at most 256 characters") }
        let token = try clientToken.map { token throws(DomainError) in
            try ClientToken(token, parameters: [region.id, instanceID, name ?? "-", description])
        }
        let action = call.operation.action
        if let token, let previous = try await store.read({ tx in try await token.previous(action: action, accountID: principal.accountID, in: tx) }) {
            return previous[0]
        }
        guard let instance = try await store.read({ tx in try await tx.instance(id: instanceID, accountID: principal.accountID) }),
              instance.regionID == region.id
        else { throw DomainError.instanceNotFound(instanceID) }
        try InstanceRules.check(.createImage, status: instance.status)
        // Checked before the disk is copied, and again where the image is recorded.
        if let name, try await store.read({ tx in try await Self.isTaken(name, accountID: principal.accountID, regionID: region.id, in: tx) }) {
            throw DomainError.imageNameAlreadyExists(name)
        }
        guard instance.agent == nil else { throw DomainError.invalidParameter(name: "InstanceId", reason: "agent hosts cannot be captured as images") }
        let id = ResourceID.make(prefix: "m")
        let capture = instance.osType == .linux
            ? try await driver.captureImage(instanceID: instanceID, imageID: id)
            : ImageCapture(presetPasswordUsers: instance.bound.passwordHash == nil ? [] : ["Administrator"], presetKeyCount: 0)
        let source = try await store.read { tx in try await tx.image(id: instance.imageID) }
        var image = Image(
            id: id, ownerAccountID: principal.accountID, regionID: region.id, name: name ?? id, osType: instance.osType,
            platform: source?.platform ?? "Linux", osName: source?.osName ?? "Linux", sourceInstanceID: instanceID, creationTime: Date(),
            presetPasswordUsers: capture.presetPasswordUsers, presetKeyCount: capture.presetKeyCount
        )
        image.description = description
        let recorded = image
        call.noteResource(.ecs("image/\(id)"))
        let previous: [String]?
        do {
            previous = try await call.write { tx -> [String]? in
                // A call with the same token that finished meanwhile wins: this copy is dropped.
                if let token, let previous = try await token.previous(action: action, accountID: principal.accountID, in: tx) { return previous }
                if try await Self.isTaken(recorded.name, accountID: principal.accountID, regionID: region.id, in: tx) {
                    throw DomainError.imageNameAlreadyExists(recorded.name)
                }
                try await tx.insertImage(recorded)
                try await token?.record([id], action: action, accountID: principal.accountID, in: tx)
                return nil
            }
        } catch {
            if instance.osType == .linux { try? await driver.deleteImage(imageID: id) }
            throw error
        }
        if let previous {
            if instance.osType == .linux { try? await driver.deleteImage(imageID: id) }
            return previous[0]
        }
        logger.info("custom image created", metadata: ["image": "\(id)", "instance": "\(instanceID)", "presetPasswords": "\(capture.presetPasswordUsers.count)",
                                                       "presetKeys": "\(capture.presetKeyCount)"])
        return id
    }

    private static func isTaken(_ name: String, accountID: String, regionID: String, in tx: any StoreTransaction) async throws -> Bool {
        try await tx.images(visibleTo: accountID, ids: nil).contains { !$0.isPublic && $0.regionID == regionID && $0.name == name }
    }

    /// A public image, or the account's own image of this region (`DomainError.imageNotFound` otherwise).
    static func usableImage(_ imageID: String, accountID: String, regionID: String, in store: any Store) async throws -> Image {
        let image = try await store.read { tx in try await tx.image(id: imageID) }
        guard let image, image.isPublic || (image.ownerAccountID == accountID && image.regionID == regionID) else {
            throw DomainError.imageNotFound(imageID)
        }
        return image
    }

    public func usableImage(_ imageID: String, accountID: String, regionID: String) async throws -> Image {
        try await Self.usableImage(imageID, accountID: accountID, regionID: regionID, in: store)
    }

    /// Public images and the caller's own, optionally only the given ids; `ownerAlias` is `system` or `self`.
    public func describe(_ call: AuthorizedCall, regionID: String, ids: [String]?, ownerAlias: String?) async throws -> [Image] {
        let principal = call.principal
        let images = try await store.read { tx in try await tx.images(visibleTo: principal.accountID, ids: ids) }
            .filter { $0.isPublic || $0.regionID == regionID }
        switch ownerAlias?.lowercased() {
        case "system": return images.filter(\.isPublic)
        case "self": return images.filter { !$0.isPublic }
        default: return images
        }
    }

    /// Where a custom image of the caller is on this host, for a hygiene scan; nil when it has no local root.
    public func localRoot(_ call: AuthorizedCall, imageID: String) async throws -> (image: Image, root: String?) {
        try call.expect("ecs:DescribeImages")
        guard let image = try await store.read({ tx in try await tx.image(id: imageID) }), image.ownerAccountID == call.accountID,
              image.regionID == call.regionID else {
            throw DomainError.imageNotFound(imageID)
        }
        return (image, image.osType == .linux ? driver.localImageRoot(imageID: imageID) : nil)
    }

    /// Deletes a custom image of the caller; an image still used by an instance needs `force`.
    public func delete(_ call: AuthorizedCall, imageID: String, force: Bool) async throws {
        let principal = call.principal
        guard let image = try await store.read({ tx in try await tx.image(id: imageID) }) else { return }
        guard image.ownerAccountID == principal.accountID else {
            if image.isPublic { throw DomainError.invalidParameter(name: "ImageId", reason: "public images cannot be deleted") }
            return
        }
        try call.require([.ecsIn(region: image.regionID ?? call.regionID, "image/\(imageID)")])
        let inUse = try await store.read { tx in
            try await tx.instances(matching: InstanceQuery(accountID: principal.accountID, regionID: nil, imageID: imageID), page: nil).totalCount > 0
        }
        if inUse, !force { throw DomainError.imageInUse(imageID) }
        try await call.write { tx in try await tx.deleteImage(id: imageID) }
        try await driver.deleteImage(imageID: imageID)
    }
}
