import Foundation
import Services
import SSHKeys
import Testing

@Suite struct KeyPoolTests {
    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<600 where !condition() { try await Task.sleep(for: .milliseconds(50)) }
    }

    @Test func pooledKeysAreHandedOutOnceRefilledUpToTheCapacityAndDiscarded() async throws {
        let pool = KeyPool(capacity: 2)
        try await Self.waitUntil { pool.readyCount == 2 }
        #expect(pool.readyCount == 2)
        var fingerprints: Set<String> = []
        for _ in 0..<5 {
            let key = try await pool.take(.rsa2048)
            #expect(key.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            #expect(key.publicKey.algorithm == "ssh-rsa")
            fingerprints.insert(key.publicKey.sha256Fingerprint)
        }
        #expect(fingerprints.count == 5, "a key was handed out twice")
        try await Self.waitUntil { pool.readyCount == 2 }
        #expect(pool.readyCount <= pool.capacity)
        pool.discard()
        #expect(pool.readyCount == 0)
        _ = try await pool.take(.rsa2048)
        try await Task.sleep(for: .milliseconds(300))
        #expect(pool.readyCount == 0, "a discarded pool refills")
        let ed25519 = try await pool.take(.ed25519)
        #expect(ed25519.publicKey.algorithm == "ssh-ed25519")
    }
}
