import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Server

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the control plane (Alibaba Cloud ECS API over HTTP).")

    @Option(help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:8080"

    @Option(help: "Directory for the SQLite database and the server key.")
    var data = "./keyward-data"

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
        let configuration = ServerConfiguration(host: host, port: port, dataDirectory: data, rootAccessKey: rootKey)
        let application = try await KeywardServer.build(configuration: configuration, logger: logger) { boundPort, rootKey in
            let endpoint = "http://\(host.contains(":") ? "[\(host)]" : host):\(boundPort)"
            // Written unbuffered: whoever started the server waits for this text on a pipe.
            FileHandle.standardOutput.write(Data(StartupBanner.text(endpoint: endpoint, rootKey: rootKey).utf8))
        }
        logger.info("starting", metadata: ["listen": "\(listen)", "data": "\(data)"])
        try await application.runService()
    }
}

