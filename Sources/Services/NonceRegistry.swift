import Foundation
import Store
import Synchronization

/// A signed request's nonce, for the gateway to claim (see `AccessGateway.perform`).
public struct SignatureNonce: Sendable, Equatable {
    public let value: String
    public let accessKeyID: String
    /// When the request arrived.
    public let time: Date

    public init(_ value: String, accessKeyID: String, time: Date) {
        self.value = value
        self.accessKeyID = accessKeyID
        self.time = time
    }
}

/// One request's nonce, claimed by the first transaction that takes it, however many calls to the gateway the request
/// makes; given back when that transaction fails.
public final class NonceTicket: Sendable {
    public let nonce: SignatureNonce
    private let taken = Mutex(false)

    public init(_ nonce: SignatureNonce) {
        self.nonce = nonce
    }

    /// The nonce, once: nil after it was taken (and not given back).
    func take() -> SignatureNonce? {
        taken.withLock { taken in
            defer { taken = true }
            return taken ? nil : nonce
        }
    }

    func giveBack() {
        taken.withLock { $0 = false }
    }
}

/// A request whose nonce was used before: a replay, refused whatever it asked.
public struct RequestReplayed: Error, Sendable, Equatable {
    public init() {}
}

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

    /// Claims `nonce` in `tx`, so that it commits with what else the transaction does (and forgets old nonces there
    /// when that is due).
    /// - Throws: `RequestReplayed` when it was used before (the caller's transaction or savepoint then rolls back).
    func claim(_ nonce: SignatureNonce, in tx: any StoreTransaction) async throws {
        if let horizon = purgeHorizonIfDue(nonce.time) { try await tx.purgeNonces(before: horizon) }
        guard try await tx.claimNonce(nonce.value, accessKeyID: nonce.accessKeyID, at: nonce.time) else { throw RequestReplayed() }
    }

    /// Claims `nonce` now, durable before the caller goes on.
    /// - Throws: `RequestReplayed` when it was used before.
    func claim(_ nonce: SignatureNonce) async throws {
        guard try await claim(nonce.value, accessKeyID: nonce.accessKeyID, now: nonce.time) else { throw RequestReplayed() }
    }

    private func purgeIfDue(_ now: Date) async throws {
        guard let horizon = purgeHorizonIfDue(now) else { return }
        try await store.write { tx in try await tx.purgeNonces(before: horizon) }
    }

    /// Before when nonces can be forgotten, once a minute at most: older requests fail the timestamp check anyway.
    private func purgeHorizonIfDue(_ now: Date) -> Date? {
        let due = lastPurge.withLock { last in
            guard now.timeIntervalSince(last) > 60 else { return false }
            last = now
            return true
        }
        return due ? now.addingTimeInterval(-2 * Self.freshnessWindow - 60) : nil
    }
}
