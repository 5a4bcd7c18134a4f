import Foundation
import KeywardCore
import Logging
import Services
import Store
import Testing

/// The server key: made only for a fresh store, proved against the store at every start, rotated crash-safely.
@Suite struct ServerKeyTests {
    static func store() async throws -> SQLStore { try await SQLStore.sqlite(path: nil, logger: Logger(label: "test")) }

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "kw-serverkey-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func seal(_ secret: String, with sealer: SecretSealer, into store: SQLStore) async throws {
        let sealed = try sealer.seal(secret)
        try await store.write { tx in
            try await tx.insertAccount(id: "acct", name: "a", createdAt: Date())
            try await tx.insertAccessKey(AccessKey(id: "AK1", accountID: "acct", userName: nil, status: .active), sealedSecret: sealed, createdAt: Date())
        }
    }

    static func secret(in store: SQLStore, with sealer: SecretSealer) async throws -> String {
        let sealed = try #require(try await store.read { tx in try await tx.accessKey(id: "AK1") }?.sealedSecret)
        return try sealer.open(sealed)
    }

    @Test func aFreshStoreGetsANewKeyFileWithMode0600() async throws {
        let store = try await Self.store()
        let path = try Self.directory() + "/server.key"
        let sealer = try await ServerKey.open(.file(path), store: store)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 32)
        try await Self.seal("s3cret", with: sealer, into: store)
        let again = try await ServerKey.open(.file(path), store: store)
        #expect(try await Self.secret(in: store, with: again) == "s3cret")
    }

    @Test func aMissingKeyForAStoreWithSecretsIsRefusedAndNotReplaced() async throws {
        let store = try await Self.store()
        let path = try Self.directory() + "/server.key"
        try await Self.seal("s3cret", with: try await ServerKey.open(.file(path), store: store), into: store)
        try FileManager.default.removeItem(atPath: path)
        await #expect(throws: ServerKey.Failure.missing(path: path)) { try await ServerKey.open(.file(path), store: store) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aWrongKeyIsRefused() async throws {
        let store = try await Self.store()
        let path = try Self.directory() + "/server.key"
        try await Self.seal("s3cret", with: try await ServerKey.open(.file(path), store: store), into: store)
        let other = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        await #expect(throws: ServerKey.Failure.mismatch(source: "the server key in KEYWARD_SERVER_KEY")) {
            try await ServerKey.open(.environment(name: "KEYWARD_SERVER_KEY", value: other), store: store)
        }
    }

    @Test func aKeyFileReadableByOthersIsRefused() async throws {
        let store = try await Self.store()
        let path = try Self.directory() + "/server.key"
        _ = try await ServerKey.open(.file(path), store: store)
        chmod(path, 0o644)
        await #expect(throws: ServerKey.Failure.unreadable(source: "the server key file \(path)", reason: "it is readable by others (mode 644): chmod 600 it")) {
            try await ServerKey.open(.file(path), store: store)
        }
    }

    @Test func rotationReSealsEverySecretAndTheOldKeyNoLongerOpens() async throws {
        let store = try await Self.store()
        let path = try Self.directory() + "/server.key"
        try await Self.seal("s3cret", with: try await ServerKey.open(.file(path), store: store), into: store)
        let oldKey = try #require(FileManager.default.contents(atPath: path))
        _ = try await ServerKey.rotate(.file(path), store: store)
        let newKey = try #require(FileManager.default.contents(atPath: path))
        #expect(newKey != oldKey)
        #expect(!FileManager.default.fileExists(atPath: path + ".next"))
        #expect(try await Self.secret(in: store, with: try await ServerKey.open(.file(path), store: store)) == "s3cret")
        await #expect(throws: ServerKey.Failure.mismatch(source: "the server key in KEYWARD_SERVER_KEY")) {
            try await ServerKey.open(.environment(name: "KEYWARD_SERVER_KEY", value: oldKey.base64EncodedString()), store: store)
        }
    }

    @Test func aRotationInterruptedAfterItsCommitIsFinishedAtTheNextOpen() async throws {
        let store = try await Self.store()
        let path = try Self.directory() + "/server.key"
        try await Self.seal("s3cret", with: try await ServerKey.open(.file(path), store: store), into: store)
        let oldKey = try #require(FileManager.default.contents(atPath: path))
        _ = try await ServerKey.rotate(.file(path), store: store)
        // As a crash between the commit and the rename leaves it: the old key in place, the new one staged beside it.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".next")
        try oldKey.write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        let sealer = try await ServerKey.open(.file(path), store: store)
        #expect(try await Self.secret(in: store, with: sealer) == "s3cret")
        #expect(!FileManager.default.fileExists(atPath: path + ".next"))
        #expect(FileManager.default.contents(atPath: path) != oldKey)
    }

    @Test func rotatingAnEnvironmentKeyNeedsAFileWrittenBeforeTheCommit() async throws {
        let store = try await Self.store()
        let value = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let source = ServerKey.Source.environment(name: "KEYWARD_SERVER_KEY", value: value)
        try await Self.seal("s3cret", with: try await ServerKey.open(source, store: store), into: store)
        await #expect(throws: ServerKey.Failure.unreadable(source: "the server key in KEYWARD_SERVER_KEY", reason: "rotating it needs --new-key-file")) {
            try await ServerKey.rotate(source, store: store)
        }
        #expect(try await Self.secret(in: store, with: try await ServerKey.open(source, store: store)) == "s3cret")
        let target = try Self.directory() + "/new.key"
        let printed = try #require(try await ServerKey.rotate(source, store: store, newKeyFile: target))
        #expect(Data(base64Encoded: printed) == FileManager.default.contents(atPath: target))
        let rotated = try await ServerKey.open(.environment(name: "KEYWARD_SERVER_KEY", value: printed), store: store)
        #expect(try await Self.secret(in: store, with: rotated) == "s3cret")
    }
}
