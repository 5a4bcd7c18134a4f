import Crypto
import Foundation
import Instances
import Store

/// The key that seals stored secrets, loaded from outside the database so that a copy of the data directory alone
/// reveals no secret. The store records a check value sealed with the key: a start whose key does not open it is
/// refused, and a missing key is made only for a store that holds no sealed secret yet.
public enum ServerKey {
    /// Where the key comes from.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// A file of 32 random bytes (or their base64), mode 0600; created at first start when missing.
        case file(String)
        /// The base64 of 32 bytes, from the environment variable with this name (never written anywhere).
        case environment(name: String, value: String)

        public var description: String {
            switch self {
            case .file(let path): "the server key file \(path)"
            case .environment(let name, _): "the server key in \(name)"
            }
        }
    }

    /// Why the server key cannot be used.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case unreadable(source: String, reason: String)
        case missing(path: String)
        case mismatch(source: String)

        public var description: String {
            switch self {
            case .unreadable(let source, let reason):
                "cannot use \(source): \(reason)"
            case .missing(let path):
                "the server key file \(path) is missing, but the database holds secrets sealed with a server key: "
                    + "restore that file, or pass its path with --server-key-file (a new key would make every stored secret unreadable)"
            case .mismatch(let source):
                "\(source) does not open the secrets stored in the database: it is not the key they were sealed with. "
                    + "Pass the right key (--server-key-file or KEYWARD_SERVER_KEY)"
            }
        }
    }

    /// The name of the setting that holds the sealed check value.
    static let checkSetting = "server-key-check"
    static let checkPlaintext = "keyward server key check"

    /// Loads the key and proves it against the store, creating it (and the check) on a fresh store.
    public static func open(_ source: Source, store: any Store) async throws -> SecretSealer {
        let state = try await store.read { tx in
            (check: try await tx.setting(named: checkSetting), secrets: try await tx.sealedAccessKeySecrets())
        }
        let fresh = state.check == nil && state.secrets.isEmpty
        let sealer: SecretSealer
        switch source {
        case .environment(_, let value):
            sealer = SecretSealer(key: try decodeBase64(value, source: source))
        case .file(let path):
            if let key = try read(path: path, source: source) {
                sealer = SecretSealer(key: key)
            } else if let pending = try read(path: pendingPath(path), source: .file(pendingPath(path))),
                      opens(state.check, secrets: state.secrets, with: SecretSealer(key: pending)) {
                // A rotation was interrupted after the store was re-sealed: finish it.
                try install(pendingPath(path), as: path)
                sealer = SecretSealer(key: pending)
            } else if fresh {
                let key = SymmetricKey(size: .bits256)
                try write(key, to: path)
                sealer = SecretSealer(key: key)
            } else {
                throw Failure.missing(path: path)
            }
        }
        if opens(state.check, secrets: state.secrets, with: sealer) {
            if state.check == nil { try await recordCheck(sealer, store: store) }
            return sealer
        }
        if case .file(let path) = source, let pending = try read(path: pendingPath(path), source: .file(pendingPath(path))),
           opens(state.check, secrets: state.secrets, with: SecretSealer(key: pending)) {
            try install(pendingPath(path), as: path)
            return SecretSealer(key: pending)
        }
        throw Failure.mismatch(source: source.description)
    }

    /// Re-seals every stored secret with a new key in one transaction. For a file source, the new key is written
    /// beside the old one first and moved over it after the commit, so that a crash at any point leaves a key that
    /// opens the store (``open(_:store:)`` finishes an interrupted rotation). A key from the environment is rotated into
    /// `newKeyFile`, written before the commit; returns that key's base64 for the operator to put in the environment.
    /// `precondition` runs first in the transaction: what it throws refuses the rotation before any key is written.
    public static func rotate(
        _ source: Source, store: any Store, newKeyFile: String? = nil,
        precondition: @escaping @Sendable (any StoreTransaction) async throws -> Void = { _ in }
    ) async throws -> String? {
        let old = try await open(source, store: store)
        if case .environment = source, newKeyFile == nil {
            throw Failure.unreadable(source: source.description, reason: "rotating it needs --new-key-file")
        }
        let key = SymmetricKey(size: .bits256)
        let fresh = SecretSealer(key: key)
        let staged: String? = if case .file(let path) = source { pendingPath(path) } else { nil }
        try await store.write { tx in
            try await precondition(tx)
            // Written before the commit: a new key that existed only in memory would be lost with the process.
            if let staged {
                try? FileManager.default.removeItem(atPath: staged)
                try write(key, to: staged)
            } else if let newKeyFile {
                try write(key, to: newKeyFile)
            }
            for secret in try await tx.sealedAccessKeySecrets() {
                try await tx.replaceAccessKeySecret(id: secret.id, sealedSecret: try fresh.seal(try old.open(secret.sealedSecret)))
            }
            try await tx.setSetting(named: checkSetting, value: try fresh.seal(checkPlaintext))
        }
        if case .file(let path) = source, let staged { try install(staged, as: path) }
        if case .environment = source { return key.withUnsafeBytes { Data($0) }.base64EncodedString() }
        return nil
    }

    // MARK: Check

    private static func opens(_ check: [UInt8]?, secrets: [(id: String, sealedSecret: [UInt8])], with sealer: SecretSealer) -> Bool {
        if let check { return (try? sealer.open(check)) == checkPlaintext }
        // A store from before the check existed: the key must open every secret it holds.
        return secrets.allSatisfy { (try? sealer.open($0.sealedSecret)) != nil }
    }

    private static func recordCheck(_ sealer: SecretSealer, store: any Store) async throws {
        let sealed = try sealer.seal(checkPlaintext)
        try await store.write { tx in try await tx.setSetting(named: checkSetting, value: sealed) }
    }

    // MARK: Files

    static func pendingPath(_ path: String) -> String { path + ".next" }

    /// The key in `path`, or nil when there is no such file.
    private static func read(path: String, source: Source) throws -> SymmetricKey? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        guard status.st_mode & 0o077 == 0 else {
            throw Failure.unreadable(source: source.description, reason: String(format: "it is readable by others (mode %o): chmod 600 it", status.st_mode & 0o777))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure.unreadable(source: source.description, reason: "permission denied")
        }
        return try decode(Array(data), source: source)
    }

    /// A file holds 32 raw bytes, or their base64 (as `openssl rand -base64 32` writes it).
    private static func decode(_ bytes: [UInt8], source: Source) throws -> SymmetricKey {
        if bytes.count == 32 { return SymmetricKey(data: bytes) }
        return try decodeBase64(String(decoding: bytes, as: UTF8.self), source: source)
    }

    private static func decodeBase64(_ text: String, source: Source) throws -> SymmetricKey {
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32 else {
            throw Failure.unreadable(source: source.description, reason: "it must hold the base64 of 32 random bytes")
        }
        return SymmetricKey(data: raw)
    }

    /// Writes the raw key to a new file created with mode 0600, durably, then moves it into place.
    private static func write(_ key: SymmetricKey, to path: String) throws {
        do {
            try SecretFile.write(key.withUnsafeBytes { Array($0) }, to: path, mode: 0o600)
        } catch {
            throw Failure.unreadable(source: "the server key file \(path)", reason: error.description)
        }
    }

    private static func install(_ source: String, as path: String) throws {
        do {
            try SecretFile.install(source, as: path)
        } catch {
            throw Failure.unreadable(source: "the server key file \(path)", reason: error.description)
        }
    }
}
