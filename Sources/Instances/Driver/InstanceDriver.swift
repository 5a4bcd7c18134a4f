import KeywardCore

/// What a start must do: the credentials to apply, and whether this is the first boot of the disk.
public struct BootPlan: Sendable, Hashable {
    public var hostName: String
    public var credentials: DesiredCredentials
    public var firstBoot: Bool
    /// With PasswordInherit, first boot keeps this user's preset password.
    public var keepPresetPasswordOf: String?

    public init(hostName: String, credentials: DesiredCredentials, firstBoot: Bool, keepPresetPasswordOf: String?) {
        self.hostName = hostName
        self.credentials = credentials
        self.firstBoot = firstBoot
        self.keepPresetPasswordOf = keepPresetPasswordOf
    }
}

/// What a start did.
public struct BootReport: Sendable, Hashable {
    /// What first boot removed from the image's state (kinds and paths, never secrets).
    public var sanitized: [SanitizedItem]
    public var changedFiles: [String]

    public init(sanitized: [SanitizedItem], changedFiles: [String]) {
        self.sanitized = sanitized
        self.changedFiles = changedFiles
    }
}

/// The preset credentials a captured image carries.
public struct ImageCapture: Sendable, Hashable {
    public var presetPasswordUsers: [String]
    public var presetKeyCount: Int

    public init(presetPasswordUsers: [String], presetKeyCount: Int) {
        self.presetPasswordUsers = presetPasswordUsers
        self.presetKeyCount = presetKeyCount
    }
}

/// Runs instances. Implementations: real sandboxes with a real sshd, or state only.
public protocol InstanceDriver: Sendable {
    /// A short name for logs and the startup message, e.g. `sandbox (network namespaces)`.
    var description: String { get }
    /// Whether instances are real (reachable over SSH).
    var isReal: Bool { get }

    /// Builds the Linux public image from the host system: passwords locked, no keys, no host keys, empty machine-id.
    func preparePublicImage(id: String) async throws
    /// Creates the instance's system disk from an image and returns where its sshd will listen.
    func createDisk(instanceID: String, imageID: String) async throws -> InstanceEndpoint
    /// Boots: first-boot clean-up when asked, credentials applied, sshd started and listening.
    func start(instanceID: String, plan: BootPlan) async throws -> BootReport
    /// Powers off; running sessions end.
    func stop(instanceID: String) async throws
    /// Whether the instance's system is running now.
    func isRunning(instanceID: String) async -> Bool
    /// Captures the stopped or running instance's disk as a new image.
    func captureImage(instanceID: String, imageID: String) async throws -> ImageCapture
    /// Replaces the system disk (instance stopped) with a copy of the image.
    func replaceDisk(instanceID: String, imageID: String) async throws
    func destroy(instanceID: String) async throws
    func deleteImage(imageID: String) async throws
    /// Where the instance's root filesystem is on this host, with the network namespace its sshd runs in, for login
    /// diagnosis; nil when the instance has no local disk.
    func localRoot(instanceID: String) -> LocalRoot?
    /// Where the image's root filesystem is on this host, for hygiene scans; nil when it has none.
    func localImageRoot(imageID: String) -> String?
}

/// A guest's root filesystem on this host.
public struct LocalRoot: Sendable, Hashable {
    public let path: String
    /// `kw-<instance-id>` for a sandbox in its own network namespace; nil on loopback.
    public let networkNamespace: String?

    public init(path: String, networkNamespace: String?) {
        self.path = path
        self.networkNamespace = networkNamespace
    }
}

extension InstanceDriver {
    public func localRoot(instanceID: String) -> LocalRoot? { nil }
    public func localImageRoot(imageID: String) -> String? { nil }
}
