import ArgumentParser
import Configuration
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import Server
import SystemPackage

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the control plane (the Alibaba Cloud ECS API, the metadata service and the agent API).",
        discussion: """
            Every option can also be set as an environment variable, KEYWARD_ and the option's name in capitals with _ for -
            (KEYWARD_TLS_CERT), or in a JSON configuration file (--config or KEYWARD_CONFIG) under the option's name
            ({"listen": "0.0.0.0:8443", "tls-cert": "/etc/keyward/cert.pem"}). Flags win over the environment, the environment
            over the file. Other variables: KEYWARD_ROOT_ACCESS_KEY_ID and KEYWARD_ROOT_ACCESS_KEY_SECRET choose the root
            AccessKey; KEYWARD_SERVER_KEY (base64 of 32 bytes) gives the key that seals stored secrets instead of a file.
            """
    )

    @Option(help: "JSON configuration file (KEYWARD_CONFIG).")
    var config: String?

    @Option(help: "Address to listen on, HOST:PORT. Default 127.0.0.1:8080.")
    var listen: String?

    @Option(help: "Directory for the SQLite database, the TLS certificate and the sandboxes. Default ./keyward-data.")
    var data: String?

    @Option(help: "Database: sqlite (DATA/keyward.sqlite3, the default) or a PostgreSQL URL, postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=disable|prefer|require|verify-ca|verify-full&sslrootcert=CA.pem, shared by every server of a deployment (with one --server-key-file). KEYWARD_DATABASE keeps a password off the command line.")
    var database: String?

    @Option(help: "This server's host id, under which its sandbox instances are recorded in a shared database. Default: derived from /etc/machine-id and the data directory.")
    var hostId: String?

    @Option(help: "Instance driver: auto (sandboxes when running as root with bubblewrap and sshd), sandbox, or simulated. Default auto.")
    var driver: String?

    @Option(help: "Sandbox network: namespaces (root; an address per instance on a bridge) or loopback (a port per instance). Default namespaces.")
    var network: String?

    @Option(help: "Sandbox bridge name (namespaces network). Default kwbr0.")
    var bridge: String?

    @Option(help: "First three octets of the sandbox /24 (namespaces network). Default 10.213.0.")
    var subnet: String?

    @Option(help: "Loopback network: instance N listens on this port + N. Default 2200.")
    var portBase: Int?

    @Option(help: "Metadata service address HOST:PORT, or off. Default: 100.100.100.200:80 with namespaces (another address is reached by guests as 100.100.100.200), else the API port + 1.")
    var metadataListen: String?

    @Option(help: "Where /metrics is served: api (the API listener, the default), HOST:PORT (a listener of its own), or off.")
    var metricsListen: String?

    @Option(help: "PEM certificate chain for HTTPS (with --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key for HTTPS (with --tls-cert).")
    var tlsKey: String?

    @Flag(help: "Serve plain HTTP on a non-loopback address (without it, such a listener speaks HTTPS with a self-signed certificate).")
    var allowPlainHttp = false

    @Option(help: "File with the key that seals stored secrets (32 random bytes, mode 0600; made at first start). Default DATA/server.key. Keep it outside the data directory so that a copy of the data alone reveals no secret.")
    var serverKeyFile: String?

    @Option(help: "Seconds an instance start may take before it fails with an error in DescribeInstances. Default 120.")
    var startTimeout: Int?

    @Option(help: "Instance jobs (launches) this server runs at once; most of a start waits on processes, not on the processor. Default 32.")
    var instanceJobs: Int?

    @Option(help: "Seconds a shutdown (SIGTERM, SIGINT) may take before the process ends with work in flight. Default 20.")
    var shutdownTimeout: Int?

    @Option(help: "Seconds a console session may stay idle before it ends. Default 1800.")
    var consoleIdleTimeout: Int?

    @Option(help: "Seconds a console session lasts at most, however busy. Default 43200 (12 hours).")
    var consoleAbsoluteTimeout: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default info.")
    var logLevel: String?

    @Option(help: "Log format on standard error: text or json (one object per line). Default text.")
    var logFormat: String?

    /// The flags that were given, under their configuration keys.
    private var givenFlags: [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        let texts: [(String, String?)] = [
            ("listen", listen), ("data", data), ("driver", driver), ("network", network), ("bridge", bridge), ("subnet", subnet),
            ("metadata-listen", metadataListen), ("metrics-listen", metricsListen), ("tls-cert", tlsCert), ("tls-key", tlsKey),
            ("server-key-file", serverKeyFile), ("log-level", logLevel), ("log-format", logFormat),
            ("port-base", portBase.map(String.init)), ("start-timeout", startTimeout.map(String.init)),
            ("instance-jobs", instanceJobs.map(String.init)),
            ("shutdown-timeout", shutdownTimeout.map(String.init)), ("console-idle-timeout", consoleIdleTimeout.map(String.init)),
            ("console-absolute-timeout", consoleAbsoluteTimeout.map(String.init)),
            ("database", database), ("host-id", hostId),
        ]
        for case let (key, value?) in texts { values[AbsoluteConfigKey(ConfigKey(key))] = .init(.string(value), isSecret: false) }
        if allowPlainHttp { values["allow-plain-http"] = .init(.string("true"), isSecret: false) }
        return values
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let settings: ServeSettings
        do {
            settings = try await Self.settings(flags: givenFlags, configFile: config ?? environment["KEYWARD_CONFIG"], environment: environment)
        } catch {
            throw StartupError(String(describing: error))
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        let json = settings.logFormat == .json
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let metrics = ServerMetrics()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        let logger = Logger(label: "keyward")
        var configuration = settings.configuration

        let sandboxWanted: Bool = switch configuration.driver {
        case .simulated: false
        default: true
        }
        if getuid() != 0, !UserNamespace.isInside, sandboxWanted {
            // Without root: sandboxes run as root of a user namespace, on loopback ports.
            if let reason = UserNamespace.unavailability() {
                if case .sandbox = configuration.driver { throw StartupError("unprivileged sandboxes are unavailable: \(reason)") }
                logger.notice("instances are simulated", metadata: ["reason": "not root, and \(reason)"])
                configuration.driver = .simulated
            } else {
                let arguments = Array(CommandLine.arguments.dropFirst()) + ["--network", "loopback"]
                throw StartupError(UserNamespace.reexec(arguments: arguments))
            }
        }
        if UserNamespace.isInside {
            switch configuration.driver {
            case .automatic(var options), .sandbox(var options):
                options.loopback = true
                configuration.driver = .sandbox(options)
            case .simulated:
                break
            }
        }
        let application: any ApplicationProtocol
        do {
            application = try await KeywardServer.build(configuration: configuration, logger: logger, metrics: metrics) { info in
                // Written unbuffered: whoever started the server waits for this text on a pipe.
                FileHandle.standardOutput.write(Data(StartupBanner.text(info).utf8))
            }
        } catch let failure as KeywardServer.StartupFailure {
            throw StartupError(failure.description)
        }
        let deadline = ShutdownDeadline(limit: settings.shutdownTimeout, logger: logger)
        defer { withExtendedLifetime(deadline) {} }
        logger.info("starting", metadata: ["listen": "\(configuration.host):\(configuration.port)", "data": "\(configuration.dataDirectory ?? "-")"])
        try await application.runService()
    }

    /// Flags over `KEYWARD_*` variables over the configuration file.
    static func settings(flags: [AbsoluteConfigKey: ConfigValue], configFile: String?, environment: [String: String]) async throws -> ServeSettings {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "keyward"),
        ]
        if let configFile {
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(configFile)))
            } catch {
                throw StartupError("cannot read the configuration file \(configFile): \(error)")
            }
        }
        return try ServeSettings.read(ConfigReader(providers: providers), environment: environment,
                                      workingDirectory: FileManager.default.currentDirectoryPath)
    }
}

/// A start-up failure: printed as one line on standard error, and the process exits with status 1.
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
