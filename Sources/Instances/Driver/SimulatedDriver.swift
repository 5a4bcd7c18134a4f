import KeywardCore

/// State only: instances have an address and a status but no running system. For machines without root,
/// bubblewrap or sshd, and for tests of the control plane alone.
public actor SimulatedDriver: InstanceDriver {
    private var running = Set<String>()
    /// Instances whose root was given a password at their last start: captured, they make images with a preset password.
    private var rootPasswords = Set<String>()
    private var next = 0

    public init() {}

    public nonisolated var description: String { "simulated (state only; instances are not reachable)" }
    public nonisolated var isReal: Bool { false }

    public func preparePublicImage(id: String) async throws {}

    public func createDisk(instanceID: String, imageID: String) async throws -> InstanceEndpoint {
        next += 1
        return InstanceEndpoint(address: "10.99.\(next / 250).\(next % 250 + 2)", port: 22)
    }

    public func start(instanceID: String, plan: BootPlan) async throws -> BootReport {
        running.insert(instanceID)
        if plan.credentials.passwordHash != nil || plan.keepPresetPasswordOf == "root" { rootPasswords.insert(instanceID) } else { rootPasswords.remove(instanceID) }
        return BootReport(sanitized: [], changedFiles: [])
    }

    public func stop(instanceID: String) async throws { running.remove(instanceID) }
    public func isRunning(instanceID: String) async -> Bool { running.contains(instanceID) }
    public func captureImage(instanceID: String, imageID: String) async throws -> ImageCapture {
        ImageCapture(presetPasswordUsers: rootPasswords.contains(instanceID) ? ["root"] : [], presetKeyCount: 0)
    }
    public func replaceDisk(instanceID: String, imageID: String) async throws {}
    public func destroy(instanceID: String) async throws { running.remove(instanceID) }
    public func deleteImage(imageID: String) async throws {}
}
