import Configuration
import Foundation
import Instances
import KeywardCore
import Services

/// Every option of `keyward serve`, read from one `ConfigReader` whose providers are, in order, the command-line
/// flags, `KEYWARD_*` environment variables and the configuration file. A key is spelled as its flag is
/// (`tls-cert`), its environment variable is `KEYWARD_` + the key in capitals with `_` for `-` (`KEYWARD_TLS_CERT`).
public struct ServeSettings: Sendable {
    public var configuration: ServerConfiguration
    public var logLevel: String
    public var logFormat: LogFormat
    /// How long a graceful shutdown may take before the process ends anyway.
    public var shutdownTimeout: Duration

    public enum LogFormat: String, Sendable { case text, json }

    /// A value that cannot be used; the message names the key, the value and what is allowed.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads the settings. `environment` supplies the variables that are not options (root AccessKey, server key).
    public static func read(_ reader: ConfigReader, environment: [String: String], workingDirectory: String) throws(Invalid) -> ServeSettings {
        let settings = Reader(reader: reader)
        let listen = settings.text("listen") ?? "127.0.0.1:8080"
        guard let (host, port) = ServerConfiguration.parseListen(listen) else {
            throw Invalid(description: "listen: '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:8080 or 0.0.0.0:8443)")
        }
        let data = settings.text("data") ?? "./keyward-data"
        let directory = absolute(data, from: workingDirectory)

        let driverName = try settings.choice("driver", among: ["auto", "sandbox", "simulated"], default: "auto")
        let network = try settings.choice("network", among: ["namespaces", "loopback"], default: "namespaces")
        let sandbox = ServerConfiguration.SandboxOptions(
            loopback: network == "loopback",
            bridge: try settings.bridgeName(),
            subnet: try settings.subnet(),
            loopbackPortBase: try settings.integer("port-base", in: 1...64_000, default: 2200)
        )
        let driver: ServerConfiguration.DriverChoice
        switch driverName {
        case "sandbox": driver = .sandbox(sandbox)
        case "simulated": driver = .simulated
        default: driver = .automatic(sandbox)
        }

        var rootKey: (id: String, secret: String)?
        if let id = environment["KEYWARD_ROOT_ACCESS_KEY_ID"], !id.isEmpty {
            guard let secret = environment["KEYWARD_ROOT_ACCESS_KEY_SECRET"], !secret.isEmpty else {
                throw Invalid(description: "KEYWARD_ROOT_ACCESS_KEY_ID is set but KEYWARD_ROOT_ACCESS_KEY_SECRET is not")
            }
            rootKey = (id, secret)
        }

        let rootPassword = environment["KEYWARD_ROOT_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let rootPassword, !LoginProfile.passwordLengths.contains(rootPassword.count) {
            throw Invalid(description: "KEYWARD_ROOT_PASSWORD must be \(LoginProfile.passwordLengths.lowerBound) to \(LoginProfile.passwordLengths.upperBound) characters long")
        }

        let certificate = settings.text("tls-cert").map { absolute($0, from: workingDirectory) }
        let key = settings.text("tls-key").map { absolute($0, from: workingDirectory) }
        let allowPlain = try settings.flag("allow-plain-http")
        let transport: ServerConfiguration.Transport
        switch (certificate, key) {
        case let (certificate?, key?):
            transport = .tls(certificate: certificate, key: key)
        case (nil, nil):
            transport = ServerConfiguration.isLoopback(host) || allowPlain ? .plainHTTP : .selfSignedTLS
        default:
            throw Invalid(description: "tls-cert and tls-key go together: give both PEM files, or neither")
        }

        let keyFile = settings.text("server-key-file").map { absolute($0, from: workingDirectory) }
        let serverKey: ServerKey.Source
        if let value = environment["KEYWARD_SERVER_KEY"], !value.isEmpty {
            guard keyFile == nil else {
                throw Invalid(description: "KEYWARD_SERVER_KEY and server-key-file both give the server key: keep one")
            }
            serverKey = .environment(name: "KEYWARD_SERVER_KEY", value: value)
        } else {
            serverKey = .file(keyFile ?? directory + "/server.key")
        }

        let metrics = settings.text("metrics-listen")
        if let metrics, metrics != "off", metrics != "api", ServerConfiguration.parseListen(metrics) == nil {
            throw Invalid(description: "metrics-listen: '\(metrics)' is not HOST:PORT, api or off")
        }
        let metadata = settings.text("metadata-listen")
        if let metadata, metadata != "off", ServerConfiguration.parseListen(metadata) == nil {
            throw Invalid(description: "metadata-listen: '\(metadata)' is not HOST:PORT or off")
        }
        let database = settings.text("database") ?? "sqlite"
        let databaseURL: String?
        if database == "sqlite" {
            databaseURL = nil
        } else if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            databaseURL = database
        } else {
            throw Invalid(description: "database: expected sqlite or a postgres:// URL")
        }
        let hostID = settings.text("host-id") ?? HostIdentity.derived(dataDirectory: directory)
        guard HostIdentity.isValid(hostID) else {
            throw Invalid(description: "host-id: '\(hostID)' must be 1 to 64 letters, digits, '-', '_' or '.'")
        }
        var configuration = ServerConfiguration(
            host: host, port: port, dataDirectory: directory, rootAccessKey: rootKey, driver: driver, metadataListen: metadata,
            metricsListen: metrics == "api" ? nil : metrics, transport: transport, serverKey: serverKey,
            startTimeout: .seconds(try settings.integer("start-timeout", in: 5...3600, default: 120))
        )
        configuration.rootPassword = rootPassword
        configuration.databaseURL = databaseURL
        configuration.hostID = hostID
        configuration.instanceJobs = try settings.integer("instance-jobs", in: 1...256, default: ServerConfiguration.defaultInstanceJobs)
        configuration.consoleLifetimes = ConsoleSignIn.Lifetimes(
            idle: TimeInterval(try settings.integer("console-idle-timeout", in: 1...86_400, default: 1800)),
            absolute: TimeInterval(try settings.integer("console-absolute-timeout", in: 1...2_592_000, default: 43_200))
        )
        return ServeSettings(
            configuration: configuration,
            logLevel: try settings.choice("log-level", among: ["trace", "debug", "info", "notice", "warning", "error", "critical"], default: "info"),
            logFormat: LogFormat(rawValue: try settings.choice("log-format", among: ["text", "json"], default: "text")) ?? .text,
            shutdownTimeout: .seconds(try settings.integer("shutdown-timeout", in: 1...600, default: 20))
        )
    }

    /// `path` made absolute against `workingDirectory`, without `.` and `..` components.
    public static func absolute(_ path: String, from workingDirectory: String) -> String {
        let joined = path.hasPrefix("/") ? path : workingDirectory + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Typed reads with clear errors: a value of the wrong kind is refused, never silently replaced by the default.
    struct Reader {
        let reader: ConfigReader

        /// The value as text, whatever its kind in the provider (a JSON number or boolean reads as its text).
        func text(_ key: String) -> String? {
            let configKey = ConfigKey(key)
            if let value = reader.string(forKey: configKey) { return value }
            if let value = reader.int(forKey: configKey) { return String(value) }
            if let value = reader.bool(forKey: configKey) { return String(value) }
            return nil
        }

        func choice(_ key: String, among allowed: [String], default defaultValue: String) throws(Invalid) -> String {
            guard let value = text(key) else { return defaultValue }
            guard allowed.contains(value) else {
                throw Invalid(description: "\(key): '\(value)' is not one of \(allowed.joined(separator: ", "))")
            }
            return value
        }

        func integer(_ key: String, in range: ClosedRange<Int>, default defaultValue: Int) throws(Invalid) -> Int {
            guard let value = text(key) else { return defaultValue }
            guard let number = Int(value), range.contains(number) else {
                throw Invalid(description: "\(key): '\(value)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        func flag(_ key: String) throws(Invalid) -> Bool {
            guard let value = text(key)?.lowercased() else { return false }
            switch value {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw Invalid(description: "\(key): '\(value)' is not true or false")
            }
        }

        func bridgeName() throws(Invalid) -> String {
            let name = text("bridge") ?? "kwbr0"
            let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            guard allowed, (1...15).contains(name.count) else {
                throw Invalid(description: "bridge: '\(name)' is not an interface name (1 to 15 letters, digits, - or _)")
            }
            return name
        }

        func subnet() throws(Invalid) -> IPv4Subnet {
            guard let given = text("subnet") else { return NamespaceNetwork.defaultSubnet }
            guard let subnet = IPv4Subnet(given) else {
                throw Invalid(description: "subnet: '\(given)' is not the first three octets of a /24 (e.g. 10.213.0) nor a network of /16 to /24 "
                    + "(e.g. 10.213.0.0/20)")
            }
            return subnet
        }
    }
}
