import ArgumentParser
import Foundation
import Logging
import Server
import Services

/// `keyward admin …`: maintenance of a stopped server's data.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Maintain a Keyward data directory (while its server is stopped).",
        subcommands: [RotateServerKey.self]
    )
}

struct RotateServerKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-server-key",
        abstract: "Make a new server key and re-seal every stored secret with it, in one transaction.",
        discussion: """
            The new key replaces the key file once the database is committed; a crash at any point leaves a key that opens \
            the store (the next start finishes an interrupted rotation). With KEYWARD_SERVER_KEY set, the new key is written \
            to --new-key-file, or printed once, for you to put in the environment.
            """
    )

    @Option(help: "The server's data directory. Default ./keyward-data.")
    var data = "./keyward-data"

    @Option(help: "The server key file. Default DATA/server.key.")
    var serverKeyFile: String?

    @Option(help: "Where to write the new key when the current one comes from KEYWARD_SERVER_KEY.")
    var newKeyFile: String?

    func run() async throws {
        let workingDirectory = FileManager.default.currentDirectoryPath
        let directory = ServeSettings.absolute(data, from: workingDirectory)
        let environment = ProcessInfo.processInfo.environment
        let source: ServerKey.Source
        if let value = environment["KEYWARD_SERVER_KEY"], !value.isEmpty {
            source = .environment(name: "KEYWARD_SERVER_KEY", value: value)
        } else {
            source = .file(serverKeyFile.map { ServeSettings.absolute($0, from: workingDirectory) } ?? directory + "/server.key")
        }
        guard FileManager.default.fileExists(atPath: directory + "/keyward.sqlite3") else {
            throw StartupError("no Keyward database in \(directory): pass the server's --data")
        }
        do {
            let printed = try await KeywardServer.rotateServerKey(
                dataDirectory: directory, source: source, newKeyFile: newKeyFile.map { ServeSettings.absolute($0, from: workingDirectory) },
                logger: Logger(label: "keyward-admin")
            )
            if let printed {
                print("New server key (set KEYWARD_SERVER_KEY to it before the next start; shown only now):\n\(printed)")
            } else {
                print("Every stored secret is now sealed with the new key in \(newKeyFile ?? source.description).")
            }
        } catch let failure as KeywardServer.StartupFailure {
            throw StartupError(failure.description)
        }
    }
}
