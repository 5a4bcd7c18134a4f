import Foundation
import Store

/// Replay protection: a signature nonce is accepted once per AccessKey within the freshness window.
/// Records live in the database, so they survive restarts and are shared by every server.
public actor NonceRegistry {
    private let store: any Store
    private var lastPurge = Date.distantPast

    /// How far a request's timestamp may be from the server's clock.
    public static let freshnessWindow: TimeInterval = 15 * 60

    public init(store: any Store) {
        self.store = store
    }

    /// Records the nonce; false when it was already used.
    public func claim(_ nonce: String, accessKeyID: String, now: Date = Date()) async throws -> Bool {
        try await purgeIfDue(now)
        return try await store.write { tx in try await tx.claimNonce(nonce, accessKeyID: accessKeyID, at: now) }
    }

    private func purgeIfDue(_ now: Date) async throws {
        if now.timeIntervalSince(lastPurge) > 60 {
            lastPurge = now
            // Older records cannot matter: their requests would fail the timestamp check anyway.
            let horizon = now.addingTimeInterval(-2 * Self.freshnessWindow - 60)
            try await store.write { tx in try await tx.purgeNonces(before: horizon) }
        }
    }
}
