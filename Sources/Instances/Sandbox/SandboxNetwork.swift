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

/// A bridge and an IPv4 subnet for instance namespaces: the host takes the first address.
///
/// Inside each namespace the metadata address (100.100.100.200:80) is translated to the metadata service of the
/// server that owns the bridge, so that several servers, each with its own bridge and subnet, coexist on one host.
public struct NamespaceNetwork: Sendable, Hashable {
    public let bridge: String
    public let subnet: IPv4Subnet
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

    public static let defaultSubnet = IPv4Subnet("10.213.0")!

    public init(bridge: String = "kwbr0", subnet: IPv4Subnet = defaultSubnet, metadataAddress: String = "100.100.100.200",
                metadataRoute: MetadataRoute = .onBridge) {
        self.bridge = bridge
        self.subnet = subnet
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

    /// Why a server cannot have its bridge and subnet.
    public enum ClaimFailure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Another server holds the bridge or the subnet, or the lock cannot be taken.
        case lock(HostLock.Failure)
        /// An interface of this host (another server's bridge among them) has an address in the subnet, or a network
        /// that holds it: the host's routes to both would break.
        case overlap(subnet: IPv4Subnet, address: String, interface: String)

        public var description: String {
            switch self {
            case .lock(let failure): "\(failure): give this server its own --bridge and --subnet, or stop that server"
            case .overlap(let subnet, let address, let interface):
                "subnet \(subnet) overlaps \(address) of interface \(interface): give this server a --subnet no interface of this host uses"
            }
        }
    }

    /// Claims the bridge and the subnet on this host for the server at `dataDirectory`, so that a second server
    /// cannot take over either, and refuses a subnet that overlaps the network of another interface; the locks last as
    /// long as the returned values.
    public func claim(dataDirectory: String) throws(ClaimFailure) -> [HostLock] {
        let directory = "/run/keyward"
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            throw .lock(.unavailable(path: directory, reason: String(cString: strerror(errno))))
        }
        let holder = Self.holder(dataDirectory)
        var locks: [HostLock] = []
        for (kind, name) in [("bridge", bridge), ("subnet", subnet.name)] {
            do throws(HostLock.Failure) {
                locks.append(try HostLock(path: "\(directory)/\(kind)-\(name).lock", holder: holder))
            } catch {
                guard case .held(_, let other) = error else { throw .lock(error) }
                throw .lock(.held(path: "\(kind) \(name)", holder: other))
            }
        }
        if let other = InterfaceAddress.ofThisHost().first(where: { $0.interface != bridge && subnet.overlaps(address: $0.address, prefixLength: $0.prefixLength) }) {
            throw .overlap(subnet: subnet, address: other.description, interface: other.interface)
        }
        return locks
    }

    public var hostAddress: String { subnet.hostAddress }
    public var instanceCapacity: Int { subnet.instanceCapacity }

    func address(index: Int) -> String { subnet.address(index: index) }
    func namespace(for instanceID: String) -> String { "kw-" + instanceID }
    /// Host-side veth names must be unique per network and fit the kernel's 15 characters.
    func vethName(index: Int) -> String {
        let octets = subnet.description.split(separator: ".")
        return "kv" + octets[1] + "-" + octets[2] + "-\(index)"
    }

    /// Creates the bridge (idempotently) with the host and metadata addresses.
    public func ensureBridge() async throws {
        let ip = "/usr/sbin/ip"
        if FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)") { return }
        try await Command(ip, ["link", "add", bridge, "type", "bridge"]).check()
        try await Command(ip, ["addr", "add", hostAddress + "/\(subnet.prefixLength)", "dev", bridge]).check()
        if metadataRoute == .onBridge {
            _ = try await Command(ip, ["addr", "add", metadataAddress + "/32", "dev", bridge]).run()
        }
        try await Command(ip, ["link", "set", bridge, "up"]).check()
    }

    /// Creates the instance's namespace and its veth on the bridge (idempotently).
    func ensureNamespace(instanceID: String, index: Int) async throws {
        try await ensureBridge()
        let namespace = namespace(for: instanceID)
        if Self.namespaceExists(namespace) {
            try await forwardMetadata(namespace: namespace)
            return
        }
        do {
            try await configureNamespace(namespace, index: index)
        } catch {
            // A half-made namespace would pass the existence check above at the next start: leave none.
            await removeNamespace(instanceID: instanceID, index: index)
            throw error
        }
    }

    /// Whether `/run/netns/NAME` holds a namespace: a file there that is not a mount of one (left by a namespace half
    /// made) is on the file system of /run/netns itself.
    static func namespaceExists(_ name: String) -> Bool {
        var directory = stat()
        var entry = stat()
        guard stat("/run/netns", &directory) == 0, stat("/run/netns/\(name)", &entry) == 0 else { return false }
        return entry.st_dev != directory.st_dev
    }

    private func configureNamespace(_ namespace: String, index: Int) async throws {
        let veth = vethName(index: index)
        // A veth left by an instance that held the index before.
        if FileManager.default.fileExists(atPath: "/sys/class/net/\(veth)") {
            _ = try await Command("/usr/sbin/ip", ["link", "del", veth]).run()
        }
        // Two `ip -batch` runs rather than a process per step: a thousand instances starting at once spend their time
        // starting processes.
        try await ip(batch: "host-\(index)", [
            "netns add \(namespace)",
            "link add \(veth) type veth peer name eth0 netns \(namespace)",
            "link set \(veth) master \(bridge) up",
        ])
        try await ip(batch: "guest-\(index)", namespace: namespace, [
            "link set lo up",
            "addr add \(address(index: index))/\(subnet.prefixLength) dev eth0",
            "link set eth0 up",
            "route add \(metadataAddress)/32 via \(hostAddress) dev eth0",
        ])
        try await forwardMetadata(namespace: namespace, jump: true)
        // An address freed by a released instance is reused at once: the host must not keep its old link-layer address.
        _ = try await Command("/usr/sbin/ip", ["neigh", "flush", "to", address(index: index), "dev", bridge]).run()
    }

    /// Runs `commands` in one `ip -batch` (in `namespace` if given), from a file of this bridge's under /run/keyward.
    private func ip(batch name: String, namespace: String? = nil, _ commands: [String]) async throws {
        let file = "/run/keyward/\(bridge)-\(name).ip"
        try Data((commands.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await Self.inNamespace(namespace, "/usr/sbin/ip", ["-batch", file]).check()
    }

    /// `executable` run in the network namespace `name` (or this one for nil). Through nsenter rather than
    /// `ip -n`/`ip netns exec`, which also make a mount namespace, a copy of the host's whole mount table.
    private static func inNamespace(_ name: String?, _ executable: String, _ arguments: [String]) -> Command {
        guard let name else { return Command(executable, arguments) }
        return Command("/usr/bin/nsenter", ["--net=/run/netns/\(name)", executable] + arguments)
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
        try await Self.inNamespace(namespace, restore, ["--noflush", file]).check()
    }

    func removeNamespace(instanceID: String, index: Int) async {
        _ = try? await Command("/usr/sbin/ip", ["netns", "del", namespace(for: instanceID)]).run()
        _ = try? await Command("/usr/sbin/ip", ["link", "del", vethName(index: index)]).run()
        _ = try? await Command("/usr/sbin/ip", ["neigh", "flush", "to", address(index: index), "dev", bridge]).run()
    }
}

/// An IPv4 address of one of this host's interfaces (in Keyward's network namespace), with its prefix length.
struct InterfaceAddress: Sendable, Equatable, CustomStringConvertible {
    let interface: String
    let address: UInt32
    let prefixLength: Int

    var description: String { "\(IPv4Subnet.text(address))/\(prefixLength)" }

    static func ofThisHost() -> [InterfaceAddress] {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return [] }
        defer { freeifaddrs(first) }
        var found: [InterfaceAddress] = []
        for entry in sequence(first: first, next: { $0?.pointee.ifa_next }) {
            guard let entry, let address = entry.pointee.ifa_addr, let mask = entry.pointee.ifa_netmask,
                  address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            let value = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
            let bits = mask.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
            found.append(InterfaceAddress(interface: String(cString: entry.pointee.ifa_name), address: value, prefixLength: bits.nonzeroBitCount))
        }
        return found
    }
}
