import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Server

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the control plane (Alibaba Cloud ECS API over HTTP).")

    @Option(help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:8080"

    @Option(help: "Directory for the SQLite database, the server key and the sandboxes.")
    var data = "./keyward-data"

    @Option(help: "Instance driver: auto (sandboxes when running as root with bubblewrap and sshd), sandbox, or simulated.")
    var driver = "auto"

    @Option(help: "Sandbox network: namespaces (root; an address per instance on a bridge) or loopback (a port per instance).")
    var network = "namespaces"

    @Option(help: "Sandbox bridge name (namespaces network).")
    var bridge = "kwbr0"

    @Option(help: "First three octets of the sandbox /24 (namespaces network).")
    var subnet = "10.213.0"

    @Option(help: "Loopback network: instance N listens on this port + N.")
    var portBase = 2200

    @Option(help: "Metadata service address HOST:PORT, or off. Default: 100.100.100.200:80 with namespaces, else the API port + 1.")
    var metadataListen: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func run() async throws {
        guard let (host, port) = ServerConfiguration.parseListen(listen) else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080")
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "keyward")
        let environment = ProcessInfo.processInfo.environment
        var rootKey: (id: String, secret: String)?
        if let id = environment["KEYWARD_ROOT_ACCESS_KEY_ID"], !id.isEmpty {
            guard let secret = environment["KEYWARD_ROOT_ACCESS_KEY_SECRET"], !secret.isEmpty else {
                throw ValidationError("KEYWARD_ROOT_ACCESS_KEY_ID is set but KEYWARD_ROOT_ACCESS_KEY_SECRET is not")
            }
            rootKey = (id, secret)
        }
        guard ["auto", "sandbox", "simulated"].contains(driver) else { throw ValidationError("--driver must be auto, sandbox or simulated") }
        guard ["namespaces", "loopback"].contains(network) else { throw ValidationError("--network must be namespaces or loopback") }
        if getuid() != 0, !UserNamespace.isInside, driver != "simulated" {
            // Without root: sandboxes run as root of a user namespace, on loopback ports.
            if let reason = UserNamespace.unavailability() {
                if driver == "sandbox" { throw ValidationError("unprivileged sandboxes are unavailable: \(reason)") }
                logger.notice("instances are simulated", metadata: ["reason": "not root, and \(reason)"])
            } else {
                let arguments = Array(CommandLine.arguments.dropFirst()) + ["--network", "loopback"]
                throw ValidationError(UserNamespace.reexec(arguments: arguments))
            }
        }
        let loopback = network == "loopback" || UserNamespace.isInside
        let sandbox = ServerConfiguration.SandboxOptions(loopback: loopback, bridge: bridge, subnetPrefix: subnet, loopbackPortBase: portBase)
        let driverChoice: ServerConfiguration.DriverChoice
        switch driver {
        case "sandbox": driverChoice = .sandbox(sandbox)
        case "simulated": driverChoice = .simulated
        default: driverChoice = UserNamespace.isInside ? .sandbox(sandbox) : .automatic
        }
        let configuration = ServerConfiguration(
            host: host, port: port, dataDirectory: data, rootAccessKey: rootKey, driver: driverChoice, metadataListen: metadataListen
        )
        let application = try await KeywardServer.build(configuration: configuration, logger: logger) { info in
            let endpoint = "http://\(host.contains(":") ? "[\(host)]" : host):\(info.port)"
            var text = StartupBanner.text(endpoint: endpoint, rootKey: info.rootKey)
            text += "Instances: \(info.driver)\n"
            text += "Metadata service: \(info.metadataEndpoint ?? "off")\n"
            // Written unbuffered: whoever started the server waits for this text on a pipe.
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        logger.info("starting", metadata: ["listen": "\(listen)", "data": "\(data)"])
        try await application.runService()
    }
}
