import ArgumentParser
import Configuration
import Foundation
import Logging
import Server
import Services

/// `keyward admin …`: maintenance of a stopped server's data.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Maintain a Keyward data directory (while its server is stopped).",
        subcommands: [RotateServerKey.self, SetRootPassword.self]
    )
}

extension AdminCommand {
    /// The stopped server's settings, read as `keyward serve` reads them (flags, then environment, then file).
    static func serverSettings(config: String?, flags: [String: String?]) async throws -> ServeSettings {
        let environment = ProcessInfo.processInfo.environment
        var given: [AbsoluteConfigKey: ConfigValue] = [:]
        for case let (key, value?) in flags { given[AbsoluteConfigKey(ConfigKey(key))] = .init(.string(value), isSecret: false) }
        do {
            return try await Serve.settings(flags: given, configFile: config ?? environment["KEYWARD_CONFIG"], environment: environment)
        } catch {
            throw StartupError(String(describing: error))
        }
    }
}

struct RotateServerKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-server-key",
        abstract: "Make a new server key and re-seal every stored secret with it, in one transaction.",
        discussion: """
            The new key replaces the key file once the database is committed; a crash at any point leaves a key that opens \
            the store (the next start finishes an interrupted rotation). With KEYWARD_SERVER_KEY set, the new key is written \
            to --new-key-file (before the commit) and printed once as base64, for you to put in the environment. With a \
            shared PostgreSQL database (--database or the configuration's database), every server of the deployment must be \
            stopped (it is refused while one has recorded a heartbeat in the last 20 s), and each starts again with the new key.
            """
    )

    @Option(help: "The server's JSON configuration file (KEYWARD_CONFIG), read as keyward serve reads it.")
    var config: String?

    @Option(help: "The server's data directory. Default ./keyward-data.")
    var data: String?

    @Option(help: "The server key file. Default DATA/server.key.")
    var serverKeyFile: String?

    @Option(help: "Where to write the new key when the current one comes from KEYWARD_SERVER_KEY (required then).")
    var newKeyFile: String?

    @Option(help: "The deployment's shared PostgreSQL database (postgres://…, or KEYWARD_DATABASE); every server on it must be stopped.")
    var database: String?

    func run() async throws {
        let settings = try await AdminCommand.serverSettings(
            config: config, flags: ["data": data, "server-key-file": serverKeyFile, "database": database]
        )
        guard let directory = settings.configuration.dataDirectory, let source = settings.configuration.serverKey else {
            throw StartupError("no data directory")
        }
        let target = newKeyFile.map { ServeSettings.absolute($0, from: FileManager.default.currentDirectoryPath) }
        let logger = Logger(label: "keyward-admin")
        do {
            if let url = settings.configuration.databaseURL {
                let printed = try await KeywardServer.rotateServerKey(databaseURL: url, source: source, newKeyFile: target, logger: logger)
                let where_ = printed == nil ? "\(source)" : (target ?? "the new key file")
                print("Every stored secret is now sealed with the new key in \(where_). Give that key to every server of the deployment "
                      + "(their --server-key-file or KEYWARD_SERVER_KEY) before starting them: a server with the old key is refused.")
                if let printed { print(printed) }
                return
            }
            guard FileManager.default.fileExists(atPath: directory + "/keyward.sqlite3") else {
                throw StartupError("no Keyward database in \(directory): pass the server's --data")
            }
            let printed = try await KeywardServer.rotateServerKey(dataDirectory: directory, source: source, newKeyFile: target, logger: logger)
            if let printed, let target {
                print("New server key written to \(target); set KEYWARD_SERVER_KEY to it (base64) before the next start:\n\(printed)")
            } else {
                print("Every stored secret is now sealed with the new key in \(source).")
            }
        } catch let failure as KeywardServer.StartupFailure {
            throw StartupError(failure.description)
        }
    }
}

struct SetRootPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-root-password",
        abstract: "Set the console password of the account's root (read from standard input), ending root's console sessions.",
        discussion: """
            The password is the first line of standard input (e.g. `printf '%s\\n' "$PASSWORD" | keyward admin set-root-password`); \
            on a terminal it is asked for twice, without echo. 8 to 32 characters. The server must be stopped.
            """
    )

    @Option(help: "The server's JSON configuration file (KEYWARD_CONFIG), read as keyward serve reads it.")
    var config: String?

    @Option(help: "The server's data directory. Default ./keyward-data.")
    var data: String?

    func run() async throws {
        let settings = try await AdminCommand.serverSettings(config: config, flags: ["data": data])
        let databaseURL = settings.configuration.databaseURL
        // A shared database needs no data directory: its servers go on running, and root's sessions end on all of them.
        if databaseURL == nil {
            guard let directory = settings.configuration.dataDirectory, FileManager.default.fileExists(atPath: directory + "/keyward.sqlite3") else {
                throw StartupError("no Keyward database in \(settings.configuration.dataDirectory ?? "."): pass the server's --data (start the server once first)")
            }
        }
        let password = try Self.readPassword()
        let logger = Logger(label: "keyward-admin")
        do {
            if let databaseURL {
                try await KeywardServer.setRootPassword(databaseURL: databaseURL, password: password, logger: logger)
            } else if let directory = settings.configuration.dataDirectory {
                try await KeywardServer.setRootPassword(dataDirectory: directory, password: password, logger: logger)
            }
        } catch let failure as KeywardServer.StartupFailure {
            throw StartupError(failure.description)
        }
        print("Root's console password is set; root's console sessions have ended.")
    }

    /// The first line of standard input, or, on a terminal, the password typed twice without echo.
    static func readPassword() throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw StartupError("no password on standard input") }
            return line
        }
        guard let first = getpass("New console password for root: ").map({ String(cString: $0) }),
              let second = getpass("Again: ").map({ String(cString: $0) }) else { throw StartupError("no password given") }
        guard first == second else { throw StartupError("the two passwords differ") }
        return first
    }
}
