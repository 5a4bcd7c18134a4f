/// How `keyward serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Directory holding the SQLite database, the server key and the sandboxes; nil keeps state in memory (tests).
    public var dataDirectory: String?
    /// Root AccessKey of the default account, from the environment; generated on first start when nil.
    public var rootAccessKey: (id: String, secret: String)?
    public var driver: DriverChoice
    /// Where the metadata service listens, `HOST:PORT`; nil picks the driver's default, "off" disables it.
    public var metadataListen: String?

    /// Which instance driver to use.
    public enum DriverChoice: Sendable, Equatable {
        /// Sandboxes when this host can run them (root, bubblewrap, sshd), state only otherwise.
        case automatic
        case sandbox(SandboxOptions)
        case simulated
    }

    /// Sandbox networking: namespaces on a bridge (root), or ports on a loopback address.
    public struct SandboxOptions: Sendable, Equatable {
        public var loopback: Bool
        public var bridge: String
        public var subnetPrefix: String
        public var loopbackAddress: String
        public var loopbackPortBase: Int

        public init(loopback: Bool = false, bridge: String = "kwbr0", subnetPrefix: String = "10.213.0", loopbackAddress: String = "127.0.0.1",
                    loopbackPortBase: Int = 2200) {
            self.loopback = loopback
            self.bridge = bridge
            self.subnetPrefix = subnetPrefix
            self.loopbackAddress = loopbackAddress
            self.loopbackPortBase = loopbackPortBase
        }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String? = "keyward-data", rootAccessKey: (id: String, secret: String)? = nil,
        driver: DriverChoice = .automatic, metadataListen: String? = nil
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.rootAccessKey = rootAccessKey
        self.driver = driver
        self.metadataListen = metadataListen
    }

    /// Parses `HOST:PORT` (or `[V6]:PORT`).
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}
