import Foundation
import KeywardCore
import Logging

/// Real instances: each one a bubblewrap sandbox with its own /etc, /root, /home and /var from its image (a
/// copy-on-write overlay of it where the host can mount one, else a copy), the host's /usr read-only, dangerous
/// capabilities dropped, and a real OpenSSH sshd.
public actor SandboxDriver: InstanceDriver {
    public nonisolated let description: String
    public nonisolated var isReal: Bool { true }

    private let base: String
    private let network: SandboxNetwork
    private let logger: Logger
    private let startTimeout: Duration
    private var indices: [String: Int] = [:]
    /// Copy-on-write disks, where this host can mount them.
    private nonisolated let disks: OverlayDisks?
    /// The disk of each instance whose disk is an overlay.
    private var layers: [String: DiskLayer] = [:]

    /// Capabilities removed from the bounding set, so that guest root cannot mount, load modules or
    /// reconfigure the host's network.
    static let droppedCapabilities = "-sys_admin,-sys_module,-sys_rawio,-sys_ptrace,-sys_boot,-mknod,-net_admin,-sys_time,-bpf,-perfmon,"
        + "-syslog,-mac_admin,-mac_override,-linux_immutable,-sys_pacct,-block_suspend,-wake_alarm,-checkpoint_restore,"
        + "-dac_read_search,-ipc_owner,-lease,-net_raw,-setfcap"

    /// Read-only /proc/sys, and /dev/null over the SysRq trigger where the kernel has one.
    static let procMasks: [String] = {
        var masks = ["--ro-bind", "/proc/sys", "/proc/sys"]
        if FileManager.default.fileExists(atPath: "/proc/sysrq-trigger") { masks += ["--ro-bind", "/dev/null", "/proc/sysrq-trigger"] }
        return masks
    }()

    /// - Parameters:
    ///   - base: directory holding `images/` and `instances/`.
    ///   - startTimeout: the longest a start may take, from the disk preparation to sshd listening.
    public init(base: String, network: SandboxNetwork, startTimeout: Duration = .seconds(120), logger: Logger) throws {
        self.base = base
        self.network = network
        self.startTimeout = startTimeout
        self.logger = logger
        switch network {
        case .namespaces(let net): description = "sandbox (bubblewrap + sshd, network namespaces on \(net.bridge) \(net.subnet))"
        case .loopback(let address, let portBase): description = "sandbox (bubblewrap + sshd, loopback \(address):\(portBase + 1)…)"
        }
        try FileManager.default.createDirectory(atPath: base + "/images", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/instances", withIntermediateDirectories: true)
        disks = OverlayDisks.probe(base: base)
        for id in (try? FileManager.default.contentsOfDirectory(atPath: base + "/instances")) ?? [] {
            guard let meta = SandboxMeta.read(path: base + "/instances/\(id)/meta.json") else { continue }
            indices[id] = meta.index
            if let layer = meta.disk { layers[id] = layer }
        }
        restoreDisks(layers)
    }

    /// After a reboot (or with a disk left half replaced): mounts every overlay disk again, removes upper layers no
    /// instance records and the images kept only for instances that are gone.
    private nonisolated func restoreDisks(_ layers: [String: DiskLayer]) {
        for (id, layer) in layers {
            let directory = instanceDirectory(id)
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            where entry.hasPrefix("disk-") && entry != layer.directory {
                try? FileManager.default.removeItem(atPath: directory + "/" + entry)
            }
            guard let disks else {
                logger.error("the instance's disk is an overlay, which this host cannot mount", metadata: ["instance": "\(id)"])
                continue
            }
            do {
                if !disks.isMounted(id) { try mountDisk(id, layer, disks) }
                try linkRoot(id, disks)
            } catch {
                logger.error("the instance's disk could not be mounted", metadata: ["instance": "\(id)", "error": "\(error)"])
            }
        }
        for id in (try? FileManager.default.contentsOfDirectory(atPath: base + "/images")) ?? [] {
            if let unused = unusedRetiredImage(id, in: layers) { try? FileManager.default.removeItem(atPath: unused) }
        }
        disks?.release()
    }

    /// Whether this host can run sandboxes: root, bubblewrap, OpenSSH's sshd and setpriv, and for network namespaces
    /// iproute2 (iptables too, but only for a second server's metadata translation, which says so when it is missing).
    public static func availability(loopback: Bool = true) -> String? {
        guard getuid() == 0 else { return "not running as root" }
        var tools = ["bwrap", "sshd", "setpriv", "setsid", "ssh-keygen", "unshare"]
        if !loopback { tools += ["ip", "nsenter"] }
        for tool in tools where Command.locate(tool) == nil {
            return "\(tool) is not installed (apt-get install bubblewrap openssh-server util-linux iproute2 iptables)"
        }
        return nil
    }

    // MARK: Paths

    private nonisolated func imageRoot(_ imageID: String) -> String { base + "/images/\(imageID)/rootfs" }
    private nonisolated func instanceDirectory(_ id: String) -> String { base + "/instances/\(id)" }
    /// The instance's root: its overlay while mounted, else the copy (or the link to the overlay, left dangling).
    private nonisolated func instanceRoot(_ id: String) -> String {
        if let disks, disks.isMounted(id) { return disks.mountPoint(id) }
        return instanceDirectory(id) + "/rootfs"
    }

    public nonisolated func localRoot(instanceID: String) -> LocalRoot? {
        guard FileManager.default.fileExists(atPath: instanceRoot(instanceID)) else { return nil }
        let namespace: String? = if case .namespaces(let net) = network { net.namespace(for: instanceID) } else { nil }
        return LocalRoot(path: instanceRoot(instanceID), networkNamespace: namespace)
    }

    public nonisolated func localImageRoot(imageID: String) -> String? {
        FileManager.default.fileExists(atPath: imageRoot(imageID)) ? imageRoot(imageID) : nil
    }
    private func infoFile(_ id: String) -> String { instanceDirectory(id) + "/info.json" }
    private func consoleLog(_ id: String) -> String { instanceDirectory(id) + "/console.log" }
    private func statusFile(_ id: String) -> String { instanceDirectory(id) + "/status.json" }
    private func monitorFile(_ id: String) -> String { instanceDirectory(id) + "/monitor.pid" }

    /// The recorded pid of the instance's launcher, which becomes its bubblewrap monitor, while that process lives.
    /// (Not `--die-with-parent`: bubblewrap would also tie itself to the launcher's short-lived parent, and die with it.)
    private func monitor(_ id: String) -> Int32? {
        guard let pid = recordedMonitor(id), SandboxProcess.isLiveProcess(pid) else { return nil }
        return pid
    }

    /// The pid the launcher recorded, once it has written it whole.
    private func recordedMonitor(_ id: String) -> Int32? {
        guard let text = try? String(contentsOfFile: monitorFile(id), encoding: .utf8), text.hasSuffix("\n") else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    // MARK: Images

    public func preparePublicImage(id: String) async throws {
        let root = imageRoot(id)
        guard !FileManager.default.fileExists(atPath: root + "/etc/passwd") else { return }
        await Self.removeTree(base + "/images/\(id)")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try await Command("/bin/sh", ["-c", PublicImageRecipe.script, "sh", root]).check()
        logger.info("public image prepared from the host system", metadata: ["image": "\(id)"])
    }

    public func captureImage(instanceID: String, imageID: String) async throws -> ImageCapture {
        let target = base + "/images/\(imageID)"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try await Command("/bin/cp", ["-a", instanceRoot(instanceID), target + "/rootfs"]).check()
        let accounts = try GuestAccounts(guestRoot: target + "/rootfs")
        let users = accounts.accounts.map(\.name).filter { accounts.passwordHash(of: $0) != nil }
        var keys = 0
        for account in accounts.accounts {
            guard let text = GuestFiles.text(guestRoot: target + "/rootfs", path: account.home + "/.ssh/authorized_keys") else { continue }
            keys += text.split(separator: "\n").filter {
                !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#")
            }.count
        }
        return ImageCapture(presetPasswordUsers: users, presetKeyCount: keys)
    }

    /// Removes a directory tree (a disk is thousands of files) on a Dispatch thread, not on the actor's; a missing one is
    /// no error.
    static func removeTree(_ path: String) async {
        await Offload.run { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Removes the image's files, unless an instance's overlay disk still reads them: then they stay, marked retired,
    /// until the last such instance is released or given another disk.
    public func deleteImage(imageID: String) async throws {
        if layers.values.contains(where: { $0.image == imageID }) {
            try Data().write(to: URL(fileURLWithPath: base + "/images/\(imageID)/retired"))
            return
        }
        await Self.removeTree(base + "/images/\(imageID)")
    }

    /// The files of a deleted image no overlay disk reads any more, if that is what `imageID` names.
    private nonisolated func unusedRetiredImage(_ imageID: String, in layers: [String: DiskLayer]) -> String? {
        let directory = base + "/images/\(imageID)"
        guard FileManager.default.fileExists(atPath: directory + "/retired"), !layers.values.contains(where: { $0.image == imageID }) else { return nil }
        return directory
    }

    // MARK: Disks

    public func createDisk(instanceID: String, imageID: String) async throws -> InstanceEndpoint {
        guard FileManager.default.fileExists(atPath: imageRoot(imageID)) else { throw DriverError.notFound("image \(imageID)") }
        let index = try allocateIndex()
        indices[instanceID] = index  // reserved before the first suspension point
        do {
            try FileManager.default.createDirectory(atPath: instanceDirectory(instanceID), withIntermediateDirectories: true)
            var layer: DiskLayer?
            if let disks {
                let made = DiskLayer(image: imageID, generation: 0)
                try mountDisk(instanceID, made, disks)
                try linkRoot(instanceID, disks)
                layer = made
            } else {
                try await Command("/bin/cp", ["-a", imageRoot(imageID), instanceRoot(instanceID)]).check()
            }
            let endpoint = endpoint(index: index)
            try SandboxMeta(index: index, address: endpoint.address, port: endpoint.port, disk: layer).write(path: instanceDirectory(instanceID) + "/meta.json")
            layers[instanceID] = layer
            return endpoint
        } catch {
            indices[instanceID] = nil
            disks?.unmount(instanceID)
            await Self.removeTree(instanceDirectory(instanceID))
            disks?.release()
            throw error
        }
    }

    private nonisolated func mountDisk(_ instanceID: String, _ layer: DiskLayer, _ disks: OverlayDisks) throws {
        guard FileManager.default.fileExists(atPath: imageRoot(layer.image)) else { throw DriverError.notFound("image \(layer.image)") }
        try disks.mount(instanceID, lower: imageRoot(layer.image), layer: instanceDirectory(instanceID) + "/" + layer.directory)
    }

    private nonisolated func linkRoot(_ instanceID: String, _ disks: OverlayDisks) throws {
        try disks.link(instanceID, at: instanceDirectory(instanceID) + "/rootfs")
    }

    public func replaceDisk(instanceID: String, imageID: String) async throws {
        guard FileManager.default.fileExists(atPath: imageRoot(imageID)) else { throw DriverError.notFound("image \(imageID)") }
        if let disks {
            try await replaceLayer(instanceID: instanceID, imageID: imageID, disks)
            return
        }
        // Copied beside the old disk first, then swapped: a failed copy leaves the old disk in place.
        let fresh = instanceRoot(instanceID) + ".new"
        await Self.removeTree(fresh)
        do {
            try await Command("/bin/cp", ["-a", imageRoot(imageID), fresh]).check()
        } catch {
            await Self.removeTree(fresh)
            throw error
        }
        let old = instanceRoot(instanceID) + ".old"
        await Self.removeTree(old)
        try FileManager.default.moveItem(atPath: instanceRoot(instanceID), toPath: old)
        try FileManager.default.moveItem(atPath: fresh, toPath: instanceRoot(instanceID))
        await Self.removeTree(old)
    }

    /// A new, empty upper layer over `imageID`, recorded in the instance's meta file before it is mounted: a crash
    /// at any point leaves either the old disk whole or the new one (the next start mounts whichever is recorded).
    private func replaceLayer(instanceID: String, imageID: String, _ disks: OverlayDisks) async throws {
        let path = instanceDirectory(instanceID) + "/meta.json"
        guard let meta = SandboxMeta.read(path: path) else { throw DriverError.notFound("instance \(instanceID)") }
        let old = meta.disk
        let layer = DiskLayer(image: imageID, generation: (old?.generation ?? -1) + 1)
        await Self.removeTree(instanceDirectory(instanceID) + "/" + layer.directory)  // left by a replacement that died
        disks.unmount(instanceID)
        do {
            try SandboxMeta(index: meta.index, address: meta.address, port: meta.port, disk: layer).write(path: path)
        } catch {
            if let old { try? mountDisk(instanceID, old, disks) }
            throw error
        }
        layers[instanceID] = layer
        try mountDisk(instanceID, layer, disks)
        if old == nil { await Self.removeTree(instanceDirectory(instanceID) + "/rootfs") }  // the copy it had before
        try linkRoot(instanceID, disks)
        if let old {
            await Self.removeTree(instanceDirectory(instanceID) + "/" + old.directory)
            if let unused = unusedRetiredImage(old.image, in: layers) { await Self.removeTree(unused) }
        }
    }

    public func destroy(instanceID: String) async throws {
        try await stop(instanceID: instanceID)
        if case .namespaces(let net) = network, let index = indices[instanceID] {
            await net.removeNamespace(instanceID: instanceID, index: index)
        }
        disks?.unmount(instanceID)
        await Self.removeTree(instanceDirectory(instanceID))
        indices[instanceID] = nil
        disks?.release()
        if let layer = layers.removeValue(forKey: instanceID), let unused = unusedRetiredImage(layer.image, in: layers) { await Self.removeTree(unused) }
    }

    private func allocateIndex() throws -> Int {
        let used = Set(indices.values)
        let limit: Int
        switch network {
        case .namespaces(let net): limit = net.instanceCapacity
        case .loopback: limit = 10_000
        }
        guard let free = (1...limit).first(where: { !used.contains($0) }) else {
            throw DriverError.unavailable("no free sandbox address (\(limit) instances)")
        }
        return free
    }

    private func endpoint(index: Int) -> InstanceEndpoint {
        switch network {
        case .namespaces(let net): InstanceEndpoint(address: net.address(index: index), port: 22)
        case .loopback(let address, let portBase): InstanceEndpoint(address: address, port: portBase + index)
        }
    }

    // MARK: Power

    public func isRunning(instanceID: String) async -> Bool {
        SandboxProcess.read(infoFile: infoFile(instanceID))?.isAlive ?? false
    }

    public func stop(instanceID: String) async throws {
        if let process = SandboxProcess.read(infoFile: infoFile(instanceID)), process.isAlive {
            await process.terminate(graceful: true)
        }
        // A sandbox stopped before it reported itself through the info file: bubblewrap's status file names its guest.
        if let process = SandboxProcess.read(statusFile: statusFile(instanceID)), process.isAlive {
            await process.terminate(graceful: false)
        }
        if let pid = monitor(instanceID),
           let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8), ["bwrap", "nsenter", "unshare"].contains(where: name.hasPrefix) {
            kill(pid, SIGKILL)
            for _ in 0..<400 where SandboxProcess.isLiveProcess(pid) { try? await Task.sleep(for: .milliseconds(5)) }
        }
        try? FileManager.default.removeItem(atPath: infoFile(instanceID))
        try? FileManager.default.removeItem(atPath: monitorFile(instanceID))
    }

    public func start(instanceID: String, plan: BootPlan) async throws -> BootReport {
        guard let index = indices[instanceID] else { throw DriverError.notFound("instance \(instanceID)") }
        if await isRunning(instanceID: instanceID) { try await stop(instanceID: instanceID) }
        let root = instanceRoot(instanceID)
        let deadline = ContinuousClock.now + startTimeout
        let prepared: BootReport
        do {
            let validator = GuestSSHDValidator(disks: disks)
            prepared = try await Offload.run { () throws(ApplyError) in try Self.prepareDisk(root: root, plan: plan, validator: validator) }
        } catch {
            throw DriverError.apply(error.description)
        }
        // The network and the sandbox race the deadline: past it, their commands are cancelled and the sandbox stopped.
        let limit = startTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.launch(instanceID: instanceID, index: index, hostName: plan.hostName, deadline: deadline) }
            group.addTask {
                try await Task.sleep(until: deadline + .seconds(1))
                throw DriverError.timedOut("start of \(instanceID)", limit)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
        return prepared
    }

    /// What happens on the disk before sshd starts: first-boot clean-up, host keys, credentials.
    private static func prepareDisk(root: String, plan: BootPlan, validator: GuestSSHDValidator) throws(ApplyError) -> BootReport {
        var sanitized: [SanitizedItem] = []
        if plan.firstBoot {
            sanitized = try FirstBootSanitizer(guestRoot: root).sanitize(keepPasswordOf: plan.keepPresetPasswordOf)
        }
        _ = try HostKeys.ensure(guestRoot: root, comment: "root@\(plan.hostName)")
        var credentials = plan.credentials
        if let user = plan.keepPresetPasswordOf, credentials.passwordHash == nil {
            // PasswordInherit: the hash the image carried stays the password.
            credentials.passwordHash = try GuestAccounts(guestRoot: root).passwordHash(of: user)
        }
        let report = try CredentialApplier(guestRoot: root, validator: validator).apply(credentials)
        return BootReport(sanitized: sanitized, changedFiles: report.changedFiles)
    }

    private func launch(instanceID: String, index: Int, hostName: String, deadline: ContinuousClock.Instant) async throws {
        var prefix: [String] = []
        var sshdArguments = ["-D", "-e"]
        var root = instanceRoot(instanceID)
        // In a mount namespace of its own without the host's network namespaces and instance disks: bubblewrap reads
        // the mount table at every bind, and that table holds a mount per instance (a thousand instances made each
        // start cost seconds). The unmounts do not reach the host's table.
        let narrowing: [String]
        if let disks {
            narrowing = disks.narrowingPrefix(binding: root)
            root = OverlayDisks.guestMount
        } else {
            narrowing = ["/usr/bin/unshare", "--mount", "--propagation", "slave", "/bin/sh", "-c", "umount -l /run/netns 2>/dev/null; exec \"$@\"", "sh"]
        }
        switch network {
        case .namespaces(let net):
            try await net.ensureNamespace(instanceID: instanceID, index: index)
            prefix = ["/usr/bin/nsenter", "--net=/run/netns/\(net.namespace(for: instanceID))"] + narrowing
        case .loopback:
            let endpoint = endpoint(index: index)
            sshdArguments += ["-p", "\(endpoint.port)", "-o", "ListenAddress=\(endpoint.address)"]
            if disks != nil { prefix = narrowing }
        }
        let bwrap = [
            Command.locate("bwrap") ?? "/usr/bin/bwrap",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", hostName,
        ] + GuestSSHD.systemBinds + [
            "--bind", root + "/etc", "/etc", "--bind", root + "/root", "/root", "--bind", root + "/home", "/home",
            "--bind", root + "/var", "/var",
            "--proc", "/proc",
            // Kernel settings and the SysRq trigger check only for uid 0, not for a capability: guests must not reach them.
        ] + Self.procMasks + [
            "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run", "--perms", "0755", "--dir", "/run/sshd",
            "--info-fd", "9",
            "/usr/bin/setpriv", "--bounding-set", Self.droppedCapabilities,
            "/usr/sbin/sshd",
        ] + sshdArguments
        let log = consoleLog(instanceID)
        let info = infoFile(instanceID)
        let status = statusFile(instanceID)
        try? FileManager.default.removeItem(atPath: info)
        try? FileManager.default.removeItem(atPath: status)
        if FileManager.default.fileExists(atPath: log) {
            try? FileManager.default.removeItem(atPath: log + ".prev")
            try? FileManager.default.moveItem(atPath: log, toPath: log + ".prev")
        }
        // setsid -f: the sandbox runs in its own session (a Ctrl-C at Keyward's terminal must not power it off) and is
        // not Keyward's child, so it outlives a restart of the control plane (the system's init reaps it). The launcher
        // records the pid of the bubblewrap monitor it becomes; bubblewrap writes the guest's exit status to the status
        // file. Together they tell a failed boot from a slow one.
        let monitorPath = monitorFile(instanceID)
        try? FileManager.default.removeItem(atPath: monitorPath)
        let launcher = "echo $$ >\"$KW_MONITOR\"; exec \"$@\" 8>\"$KW_STATUS\" 9>\"$KW_INFO\" >>\"$KW_LOG\" 2>&1 </dev/null"
        let arguments = ["/usr/bin/setsid", "-f", "/bin/sh", "-c", launcher, "sh"] + prefix + [bwrap[0], "--json-status-fd", "8"] + bwrap.dropFirst()
        let environment = ["KW_INFO=\(info)", "KW_LOG=\(log)", "KW_STATUS=\(status)", "KW_MONITOR=\(monitorPath)", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
        try await Command("/usr/bin/env", ["-i"] + environment + arguments).check(timeout: min(.seconds(10), max(deadline - .now, .seconds(1))))
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if let console = try? String(contentsOfFile: log, encoding: .utf8), console.contains("Server listening on") {
                return
            }
            if let written = try? String(contentsOfFile: status, encoding: .utf8), written.contains("exit-code") { break }
            // The monitor is gone without a ready sshd: bubblewrap (or nsenter) failed before the guest ran.
            if let pid = recordedMonitor(instanceID), !SandboxProcess.isLiveProcess(pid) {
                logger.error("the sandbox's launcher ended before sshd listened", metadata: [
                    "instance": "\(instanceID)", "pid": "\(pid)",
                    "stat": "\((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "gone")",
                ])
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        let console = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let timedOut = ContinuousClock.now >= deadline
        try? await stop(instanceID: instanceID)
        try Task.checkCancellation()
        if timedOut {
            logger.error("sshd was not listening in time", metadata: ["instance": "\(instanceID)", "console": "\(console.suffix(2000))"])
            throw DriverError.timedOut("start of \(instanceID)", startTimeout)
        }
        throw DriverError.bootFailed(instanceID: instanceID, console: String(console.suffix(2000)))
    }
}

/// Per-instance sandbox facts kept beside its disk.
struct SandboxMeta: Codable, Sendable {
    let index: Int
    let address: String
    let port: Int
    /// The overlay disk; nil for a disk that is a copy of its image.
    var disk: DiskLayer? = nil

    static func read(path: String) -> SandboxMeta? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(SandboxMeta.self, from: $0) }
    }

    func write(path: String) throws {
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// An instance's overlay disk: its image (the lower layer) and the directory of its upper layer, numbered anew at
/// each replacement of the disk.
struct DiskLayer: Codable, Sendable, Hashable {
    let image: String
    let generation: Int

    var directory: String { "disk-\(generation)" }
}

/// `sshd -t` as the guest's sshd would run it (see ``GuestSSHD``): for the host's own root or any guest root.
public struct GuestSSHDValidator: SSHDConfigValidator {
    let disks: OverlayDisks?

    public init() { disks = nil }

    /// Checks run without the host's instance disks and network namespaces in sight (see ``OverlayDisks``).
    init(disks: OverlayDisks?) { self.disks = disks }

    public func validate(guestRoot: String) throws(ApplyError) {
        let problem: String?
        do {
            problem = try GuestSSHD(guestRoot: guestRoot, disks: disks).test()
        } catch {
            throw .sshdConfigInvalid(output: "could not run sshd -t: \(error)")
        }
        if let problem { throw .sshdConfigInvalid(output: problem) }
    }
}
