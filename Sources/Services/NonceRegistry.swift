import Foundation
import Store
import Synchronization

/// Replay protection: a signature nonce is accepted once per AccessKey within the freshness window.
/// Records live in the database, so they survive restarts and are shared by every server.
public final class NonceRegistry: Sendable {
    private let store: any Store
    private let lastPurge = Mutex(Date.distantPast)

    /// How far a request's timestamp may be from the server's clock.
    public static let freshnessWindow: TimeInterval = 15 * 60

    public init(store: any Store) {
        self.store = store
    }

    /// Records the nonce; false when it was already used.
    public func claim(_ nonce: String, accessKeyID: String, now: Date = Date()) async throws -> Bool {
        try await purgeIfDue(now)
        // Durable before the response, committed together with concurrent requests' nonces.
        return try await store.writeGrouped { tx in try await tx.claimNonce(nonce, accessKeyID: accessKeyID, at: now) }
    }

    private func purgeIfDue(_ now: Date) async throws {
        let due = lastPurge.withLock { last in
            guard now.timeIntervalSince(last) > 60 else { return false }
            last = now
            return true
        }
        guard due else { return }
        // Older records cannot matter: their requests would fail the timestamp check anyway.
        let horizon = now.addingTimeInterval(-2 * Self.freshnessWindow - 60)
        try await store.write { tx in try await tx.purgeNonces(before: horizon) }
    }
}
