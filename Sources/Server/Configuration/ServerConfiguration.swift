import Instances
import Services

/// How `keyward serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Absolute directory holding the SQLite database and the sandboxes; nil keeps state in memory (tests).
    public var dataDirectory: String?
    /// Root AccessKey of the default account, from the environment; generated on first start when nil.
    public var rootAccessKey: (id: String, secret: String)?
    public var driver: DriverChoice
    /// Where the metadata service listens, `HOST:PORT`; nil picks the driver's default, "off" disables it.
    public var metadataListen: String?
    /// Where `/metrics` is served: nil on the API listener, `HOST:PORT` on a listener of its own, "off" nowhere.
    public var metricsListen: String?
    public var transport: Transport
    /// Where the key that seals stored secrets comes from; nil uses a random key that lives as long as the process (tests).
    public var serverKey: ServerKey.Source?
    /// The longest an instance start may take before it fails with a clear error.
    public var startTimeout: Duration
    /// Root's console password at first start (`KEYWARD_ROOT_PASSWORD`); a random one is printed once when nil.
    public var rootPassword: String?
    /// How long console sessions last when idle, and at most.
    public var consoleLifetimes = ConsoleSignIn.Lifetimes()
    /// The PostgreSQL database every server of the deployment shares; nil for SQLite in the data directory.
    public var databaseURL: String?
    /// The host this server's sandbox instances are recorded under.
    public var hostID = "local"
    /// Instance jobs (launches) run at once on this host.
    public var instanceJobs = defaultInstanceJobs
    public static let defaultInstanceJobs = 32

    /// Which instance driver to use.
    public enum DriverChoice: Sendable, Equatable {
        /// Sandboxes when this host can run them (root, bubblewrap, sshd), state only otherwise.
        case automatic(SandboxOptions)
        case sandbox(SandboxOptions)
        case simulated
    }

    /// How the API listener speaks.
    public enum Transport: Sendable, Equatable {
        /// Plain HTTP: loopback by default, elsewhere only when the operator asks for it (`--allow-plain-http`).
        case plainHTTP
        /// HTTPS (and HTTP/2 where the client offers it) with the operator's certificate chain and key (PEM files).
        case tls(certificate: String, key: String)
        /// HTTPS with a self-signed certificate made at first start and kept in the data directory.
        case selfSignedTLS
    }

    /// Sandbox networking: namespaces on a bridge (root), or ports on a loopback address.
    public struct SandboxOptions: Sendable, Equatable {
        public var loopback: Bool
        public var bridge: String
        public var subnet: IPv4Subnet
        public var loopbackAddress: String
        public var loopbackPortBase: Int

        public init(loopback: Bool = false, bridge: String = "kwbr0", subnet: IPv4Subnet = NamespaceNetwork.defaultSubnet, loopbackAddress: String = "127.0.0.1",
                    loopbackPortBase: Int = 2200) {
            self.loopback = loopback
            self.bridge = bridge
            self.subnet = subnet
            self.loopbackAddress = loopbackAddress
            self.loopbackPortBase = loopbackPortBase
        }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String? = nil, rootAccessKey: (id: String, secret: String)? = nil,
        driver: DriverChoice = .automatic(SandboxOptions()), metadataListen: String? = nil, metricsListen: String? = nil, transport: Transport = .plainHTTP,
        serverKey: ServerKey.Source? = nil, startTimeout: Duration = .seconds(120)
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.rootAccessKey = rootAccessKey
        self.driver = driver
        self.metadataListen = metadataListen
        self.metricsListen = metricsListen
        self.transport = transport
        self.serverKey = serverKey
        self.startTimeout = startTimeout
    }

    /// Parses `HOST:PORT` (or `[V6]:PORT`).
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    /// Whether `host` names this machine's loopback interface only.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// `http://HOST:PORT` or `https://…`, with IPv6 hosts in brackets.
    public func endpoint(port: Int) -> String {
        let scheme = transport == .plainHTTP ? "http" : "https"
        return "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
