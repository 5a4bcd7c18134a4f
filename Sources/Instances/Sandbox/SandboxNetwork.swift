import KeywardCore

/// How sandboxes are reached.
public enum SandboxNetwork: Sendable, Hashable {
    /// Each instance in its own network namespace on a bridge Keyward creates (root only). No route out,
    /// forwarding untouched; the metadata address is routed to the host side of the bridge.
    case namespaces(NamespaceNetwork)
    /// Each instance's sshd on its own port of a loopback address, in the host network namespace.
    case loopback(address: String, portBase: Int)
}

/// A bridge and an IPv4 /16../24 subnet for instance namespaces: the host takes the first address.
public struct NamespaceNetwork: Sendable, Hashable {
    public let bridge: String
    /// First three octets of a /24 subnet, e.g. `10.213.0`: host `.1`, instances from `.10`.
    public let prefix: String
    public let metadataAddress: String

    public init(bridge: String = "kwbr0", prefix: String = "10.213.0", metadataAddress: String = "100.100.100.200") {
        self.bridge = bridge
        self.prefix = prefix
        self.metadataAddress = metadataAddress
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
        _ = try await Command(ip, ["addr", "add", metadataAddress + "/32", "dev", bridge]).run()
        try await Command(ip, ["link", "set", bridge, "up"]).check()
    }

    /// Creates the instance's namespace and its veth on the bridge (idempotently).
    func ensureNamespace(instanceID: String, index: Int) async throws {
        try await ensureBridge()
        let ip = "/usr/sbin/ip"
        let namespace = namespace(for: instanceID)
        if try await Command(ip, ["netns", "exec", namespace, "true"]).run().succeeded { return }
        try await Command(ip, ["netns", "add", namespace]).check()
        try await Command(ip, ["-n", namespace, "link", "set", "lo", "up"]).check()
        let veth = vethName(index: index)
        _ = try await Command(ip, ["link", "del", veth]).run()
        try await Command(ip, ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace]).check()
        try await Command(ip, ["link", "set", veth, "master", bridge, "up"]).check()
        try await Command(ip, ["-n", namespace, "addr", "add", address(index: index) + "/24", "dev", "eth0"]).check()
        try await Command(ip, ["-n", namespace, "link", "set", "eth0", "up"]).check()
        try await Command(ip, ["-n", namespace, "route", "add", metadataAddress + "/32", "via", hostAddress, "dev", "eth0"]).check()
    }

    func removeNamespace(instanceID: String, index: Int) async {
        _ = try? await Command("/usr/sbin/ip", ["netns", "del", namespace(for: instanceID)]).run()
        _ = try? await Command("/usr/sbin/ip", ["link", "del", vethName(index: index)]).run()
    }
}
