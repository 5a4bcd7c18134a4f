import Synchronization

/// Unsealed AccessKey secrets kept in memory, so that a signature check does not decrypt the same secret again.
/// An entry is used only while the stored sealed secret is byte for byte the one it was opened from: a key that is
/// re-sealed, replaced or deleted (on any server) misses the cache, because the row read for its status says so.
final class SecretCache: Sendable {
    private let entries = Mutex<[String: (sealed: [UInt8], secret: String)]>([:])
    /// Bounded: past this many keys the cache starts again.
    static let capacity = 4096

    /// The secret sealed as `sealed`, from the cache or opened now with `open`.
    func secret(accessKeyID: String, sealed: [UInt8], open: ([UInt8]) throws -> String) rethrows -> String {
        if let hit = entries.withLock({ $0[accessKeyID] }), hit.sealed == sealed { return hit.secret }
        let secret = try open(sealed)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[accessKeyID] = (sealed, secret)
        }
        return secret
    }
}
