import Foundation
import KeywardCore

/// How sandboxes are reached.
public enum SandboxNetwork: Sendable, Hashable {
    /// Each instance in its own network namespace on a bridge Keyward creates (root only). No route out,
    /// forwarding untouched; the metadata address is routed to the host side of the bridge.
    case namespaces(NamespaceNetwork)
    /// Each instance's sshd on its own port of a loopback address, in the host network namespace.
    case loopback(address: String, portBase: Int)
}

/// A bridge and an IPv4 /24 subnet for instance namespaces: the host takes the first address.
///
/// Inside each namespace the metadata address (100.100.100.200:80) is translated to the metadata service of the
/// server that owns the bridge, so that several servers, each with its own bridge and subnet, coexist on one host.
public struct NamespaceNetwork: Sendable, Hashable {
    public let bridge: String
    /// First three octets of a /24 subnet, e.g. `10.213.0`: host `.1`, instances from `.10`.
    public let prefix: String
    public let metadataAddress: String
    public let metadataRoute: MetadataRoute

    /// How guests reach the metadata service at `metadataAddress:80`.
    public enum MetadataRoute: Sendable, Hashable {
        /// The service listens on the metadata address itself, which this server holds on its bridge.
        case onBridge
        /// The service listens at `HOST:PORT` on this host (the bridge's host address); guests' connections to the
        /// metadata address are translated there, which lets a second server coexist with the one holding the address.
        case translated(to: String)
        /// No metadata service.
        case none
    }

    public init(bridge: String = "kwbr0", prefix: String = "10.213.0", metadataAddress: String = "100.100.100.200",
                metadataRoute: MetadataRoute = .onBridge) {
        self.bridge = bridge
        self.prefix = prefix
        self.metadataAddress = metadataAddress
        self.metadataRoute = metadataRoute
    }

    /// Where a translated metadata service listens: the host's address on the bridge, port 80.
    public var translatedMetadataService: String { hostAddress + ":80" }

    /// Claims the metadata address on this host: only one server can listen there.
    public func claimMetadataAddress(dataDirectory: String) throws(HostLock.Failure) -> HostLock {
        try HostLock(path: "/run/keyward/metadata-\(metadataAddress).lock", holder: Self.holder(dataDirectory))
    }

    static func holder(_ dataDirectory: String) -> String {
        "the Keyward server with data directory \(dataDirectory) (pid \(getpid()))"
    }

    /// Claims the bridge and the subnet on this host for the server at `dataDirectory`, so that a second server
    /// cannot take over either; the locks last as long as the returned values.
    public func claim(dataDirectory: String) throws(HostLock.Failure) -> [HostLock] {
        let directory = "/run/keyward"
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            throw .unavailable(path: directory, reason: String(cString: strerror(errno)))
        }
        let holder = Self.holder(dataDirectory)
        var locks: [HostLock] = []
        for (kind, name) in [("bridge", bridge), ("subnet", prefix)] {
            do throws(HostLock.Failure) {
                locks.append(try HostLock(path: "\(directory)/\(kind)-\(name).lock", holder: holder))
            } catch {
                guard case .held(_, let other) = error else { throw error }
                throw .held(path: "\(kind) \(name)", holder: other)
            }
        }
        return locks
    }

    public var hostAddress: String { prefix + ".1" }
    public static let maximumInstances = 240

    func address(index: Int) -> String { prefix + ".\(10 + index)" }
    func namespace(for instanceID: String) -> String { "kw-" + instanceID }
    /// Host-side veth names must be unique per network and fit the kernel's 15 characters.
    func vethName(index: Int) -> String {
        let octets = prefix.split(separator: ".")
        return "kv" + octets.dropFirst().joined(separator: "-") + "-\(index)"
    }

    /// Creates the bridge (idempotently) with the host and metadata addresses.
    public func ensureBridge() async throws {
        let ip = "/usr/sbin/ip"
        if try await Command(ip, ["link", "show", bridge]).run().succeeded { return }
        try await Command(ip, ["link", "add", bridge, "type", "bridge"]).check()
        try await Command(ip, ["addr", "add", hostAddress + "/24", "dev", bridge]).check()
        if metadataRoute == .onBridge {
            _ = try await Command(ip, ["addr", "add", metadataAddress + "/32", "dev", bridge]).run()
        }
        try await Command(ip, ["link", "set", bridge, "up"]).check()
    }

    /// Creates the instance's namespace and its veth on the bridge (idempotently).
    func ensureNamespace(instanceID: String, index: Int) async throws {
        try await ensureBridge()
        let ip = "/usr/sbin/ip"
        let namespace = namespace(for: instanceID)
        if try await Command(ip, ["netns", "exec", namespace, "true"]).run().succeeded {
            try await forwardMetadata(namespace: namespace)
            return
        }
        try await Command(ip, ["netns", "add", namespace]).check()
        do {
            try await configureNamespace(namespace, index: index)
        } catch {
            // A half-made namespace would pass the existence check above at the next start: leave none.
            await removeNamespace(instanceID: instanceID, index: index)
            throw error
        }
    }

    private func configureNamespace(_ namespace: String, index: Int) async throws {
        let ip = "/usr/sbin/ip"
        try await Command(ip, ["-n", namespace, "link", "set", "lo", "up"]).check()
        let veth = vethName(index: index)
        _ = try await Command(ip, ["link", "del", veth]).run()
        try await Command(ip, ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace]).check()
        try await Command(ip, ["link", "set", veth, "master", bridge, "up"]).check()
        try await Command(ip, ["-n", namespace, "addr", "add", address(index: index) + "/24", "dev", "eth0"]).check()
        try await Command(ip, ["-n", namespace, "link", "set", "eth0", "up"]).check()
        try await Command(ip, ["-n", namespace, "route", "add", metadataAddress + "/32", "via", hostAddress, "dev", "eth0"]).check()
        try await forwardMetadata(namespace: namespace, jump: true)
        // An address freed by a released instance is reused at once: the host must not keep its old link-layer address.
        _ = try await Command(ip, ["neigh", "flush", "to", address(index: index), "dev", bridge]).run()
    }

    /// Points the namespace's `KEYWARD_METADATA` chain at this server's metadata service, replacing whatever it held
    /// (a changed `--metadata-listen` leaves no stale rule), or empties it when the service holds the address itself.
    /// `jump` hooks the chain into OUTPUT, once, when the namespace is made. Guests cannot change it: they hold no
    /// CAP_NET_ADMIN.
    private func forwardMetadata(namespace: String, jump: Bool = false) async throws {
        let service: String? = if case .translated(let target) = metadataRoute { target } else { nil }
        guard let restore = Command.locate("iptables-restore") else {
            if service == nil { return }
            throw DriverError.unavailable("iptables is not installed (apt-get install iptables): guests cannot reach the metadata service")
        }
        var rules = ["*nat", ":KEYWARD_METADATA - [0:0]", "-F KEYWARD_METADATA"]
        if let service {
            rules.append("-A KEYWARD_METADATA -d \(metadataAddress)/32 -p tcp --dport 80 -j DNAT --to-destination \(service)")
        }
        if jump { rules.append("-A OUTPUT -j KEYWARD_METADATA") }
        rules.append("COMMIT")
        let file = "/run/keyward/\(bridge)-metadata\(jump ? "-new" : "").rules"
        try Data((rules.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        try await Command("/usr/sbin/ip", ["netns", "exec", namespace, restore, "--noflush", file]).check()
    }

    func removeNamespace(instanceID: String, index: Int) async {
        _ = try? await Command("/usr/sbin/ip", ["netns", "del", namespace(for: instanceID)]).run()
        _ = try? await Command("/usr/sbin/ip", ["link", "del", vethName(index: index)]).run()
        _ = try? await Command("/usr/sbin/ip", ["neigh", "flush", "to", address(index: index), "dev", bridge]).run()
    }
}
