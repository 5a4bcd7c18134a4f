import Foundation
import Instances
import Logging
import Services
import Store

extension KeywardServer {
    /// Re-seals every stored secret with a new server key, while no server runs on the data directory (its lock is
    /// taken for the duration). Returns the new key's base64 when the old one came from the environment.
    public static func rotateServerKey(dataDirectory: String, source: ServerKey.Source, newKeyFile: String?, logger: Logger) async throws -> String? {
        let lock = try DataDirectory.prepare(dataDirectory)
        defer { withExtendedLifetime(lock) {} }
        return try await rotateServerKey(in: try await SQLStore.sqlite(path: dataDirectory + "/keyward.sqlite3", logger: logger), source: source,
                                         newKeyFile: newKeyFile)
    }

    /// Re-seals every stored secret of a shared PostgreSQL database with a new server key. Every server of the
    /// deployment holds the old key: it is refused while any of them has recorded a heartbeat lately
    /// (`JobWorker.heartbeatExpiry`), and they start again only with the new key.
    public static func rotateServerKey(databaseURL: String, source: ServerKey.Source, newKeyFile: String?, logger: Logger) async throws -> String? {
        let store: SQLStore
        do {
            store = try await SQLStore.postgres(url: databaseURL, logger: logger)
        } catch let error as StoreError {
            throw StartupFailure(description: "the database cannot be opened: \(error.message)")
        }
        // Checked in the rotation's own write transaction: writes are serialised across servers, so a server that starts
        // meanwhile records its heartbeat (before it proves its key) only after the commit, and then finds that its old key
        // no longer opens the store.
        return try await rotateServerKey(in: store, source: source, newKeyFile: newKeyFile) { tx in
            let now = Date()
            let running = try await tx.heartbeats(after: now.addingTimeInterval(-JobWorker.heartbeatExpiry))
            guard running.isEmpty else {
                let servers = running.map { "\($0.hostID) (seen \(max(0, Int(now.timeIntervalSince($0.seenAt)))) s ago)" }.joined(separator: ", ")
                throw StartupFailure(description: "servers run on this database: \(servers). Stop every server of the deployment, then rotate the key")
            }
        }
    }

    private static func rotateServerKey(
        in store: SQLStore, source: ServerKey.Source, newKeyFile: String?,
        precondition: @escaping @Sendable (any StoreTransaction) async throws -> Void = { _ in }
    ) async throws -> String? {
        do {
            let printed = try await ServerKey.rotate(source, store: store, newKeyFile: newKeyFile, precondition: precondition)
            await store.close()
            return printed
        } catch let failure as ServerKey.Failure {
            await store.close()
            throw StartupFailure(description: failure.description)
        } catch {
            await store.close()
            throw error
        }
    }
}

extension KeywardServer {
    /// Sets root's console password in a stopped server's data directory and ends root's console sessions.
    public static func setRootPassword(dataDirectory: String, password: String, logger: Logger) async throws {
        let lock = try DataDirectory.prepare(dataDirectory)
        defer { withExtendedLifetime(lock) {} }
        try await setRootPassword(password, in: try await SQLStore.sqlite(path: dataDirectory + "/keyward.sqlite3", logger: logger), logger: logger)
    }

    /// Sets root's console password in a shared PostgreSQL database (servers may be running) and ends root's sessions.
    public static func setRootPassword(databaseURL: String, password: String, logger: Logger) async throws {
        let store: SQLStore
        do {
            store = try await SQLStore.postgres(url: databaseURL, logger: logger)
        } catch let error as StoreError {
            throw StartupFailure(description: "the database cannot be opened: \(error.message)")
        }
        try await setRootPassword(password, in: store, logger: logger)
    }

    private static func setRootPassword(_ password: String, in store: SQLStore, logger: Logger) async throws {
        do {
            try await ConsoleSignIn(store: store, logger: logger).setRootPassword(password)
            await store.close()
        } catch let failure as ConsoleSignIn.SignInFailure {
            await store.close()
            throw StartupFailure(description: failure.description)
        } catch {
            await store.close()
            throw error
        }
    }
}
