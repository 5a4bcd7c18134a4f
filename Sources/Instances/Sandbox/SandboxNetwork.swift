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
    /// Where this server's metadata service listens (`HOST:PORT`), which guests reach as `metadataAddress:80`;
    /// nil when the service listens on `metadataAddress:80` itself, on the bridge.
    public let metadataService: String?

    public init(bridge: String = "kwbr0", prefix: String = "10.213.0", metadataAddress: String = "100.100.100.200",
                metadataService: String? = nil) {
        self.bridge = bridge
        self.prefix = prefix
        self.metadataAddress = metadataAddress
        self.metadataService = metadataService
    }

    /// Where the metadata service listens by default: the host's address on the bridge, port 80.
    public var defaultMetadataService: String { hostAddress + ":80" }

    /// Claims the bridge and the subnet on this host for the server at `dataDirectory`, so that a second server
    /// cannot take over either; the locks last as long as the returned values.
    public func claim(dataDirectory: String) throws(HostLock.Failure) -> [HostLock] {
        let directory = "/run/keyward"
        mkdir(directory, 0o755)
        let holder = "the Keyward server with data directory \(dataDirectory) (pid \(getpid()))"
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
        if metadataService == nil {
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
        try await Command(ip, ["-n", namespace, "link", "set", "lo", "up"]).check()
        let veth = vethName(index: index)
        _ = try await Command(ip, ["link", "del", veth]).run()
        try await Command(ip, ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace]).check()
        try await Command(ip, ["link", "set", veth, "master", bridge, "up"]).check()
        try await Command(ip, ["-n", namespace, "addr", "add", address(index: index) + "/24", "dev", "eth0"]).check()
        try await Command(ip, ["-n", namespace, "link", "set", "eth0", "up"]).check()
        try await Command(ip, ["-n", namespace, "route", "add", metadataAddress + "/32", "via", hostAddress, "dev", "eth0"]).check()
        try await forwardMetadata(namespace: namespace)
    }

    /// Translates the metadata address to this server's metadata service inside the namespace (idempotently).
    /// Guests cannot change it: they hold no CAP_NET_ADMIN.
    private func forwardMetadata(namespace: String) async throws {
        guard let metadataService else { return }
        let rule = ["-t", "nat", "OUTPUT", "-d", metadataAddress + "/32", "-p", "tcp", "--dport", "80", "-j", "DNAT",
                    "--to-destination", metadataService]
        let iptables = Command.locate("iptables") ?? "/usr/sbin/iptables"
        var check = rule
        check.insert("-C", at: 2)
        if try await Command("/usr/sbin/ip", ["netns", "exec", namespace, iptables] + check).run().succeeded { return }
        var append = rule
        append.insert("-A", at: 2)
        try await Command("/usr/sbin/ip", ["netns", "exec", namespace, iptables] + append).check()
    }

    func removeNamespace(instanceID: String, index: Int) async {
        _ = try? await Command("/usr/sbin/ip", ["netns", "del", namespace(for: instanceID)]).run()
        _ = try? await Command("/usr/sbin/ip", ["link", "del", vethName(index: index)]).run()
    }
}
