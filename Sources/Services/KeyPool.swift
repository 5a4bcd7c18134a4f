import Dispatch
import Instances
import SSHKeys
import Synchronization

/// RSA-2048 key pairs generated ahead of need, so that CreateKeyPair hands one out at once instead of spending tens of
/// milliseconds finding primes. In memory only (never on disk or in the database), at most `capacity` of them, refilled
/// on a Dispatch thread after each one taken, and emptied by `discard()` at shutdown. Each key is handed out once.
public final class KeyPool: Sendable {
    private struct State {
        var ready: [GeneratedKeyPair] = []
        var refilling = false
        var discarded = false
    }

    private let state = Mutex(State())
    public let capacity: Int

    /// `capacity` 0 turns the pool off: every key is generated when asked for.
    public init(capacity: Int = 8) {
        self.capacity = capacity
        refillIfNeeded()
    }

    /// A key of `algorithm`: RSA from the pool when one is ready, else (and for Ed25519, which takes microseconds)
    /// generated now, off the cooperative pool.
    public func take(_ algorithm: KeyAlgorithm) async throws(KeyGenerationError) -> GeneratedKeyPair {
        if algorithm == .rsa2048, let pooled = state.withLock({ $0.ready.popLast() }) {
            refillIfNeeded()
            return pooled
        }
        let generated = try await Offload.run { () throws(KeyGenerationError) in try KeyGenerator.generate(algorithm) }
        if algorithm == .rsa2048 { refillIfNeeded() }
        return generated
    }

    /// How many keys are ready now.
    public var readyCount: Int { state.withLock { $0.ready.count } }

    /// Forgets every pooled key and stops refilling.
    public func discard() {
        state.withLock { state in
            state.discarded = true
            state.ready.removeAll()
        }
    }

    private func refillIfNeeded() {
        let start = state.withLock { state in
            guard !state.refilling, !state.discarded, state.ready.count < capacity else { return false }
            state.refilling = true
            return true
        }
        guard start else { return }
        DispatchQueue.global(qos: .utility).async { [self] in
            while true {
                guard let key = try? KeyGenerator.generate(.rsa2048) else {
                    state.withLock { $0.refilling = false }
                    return
                }
                let full = state.withLock { state in
                    if !state.discarded, state.ready.count < capacity { state.ready.append(key) }
                    let done = state.discarded || state.ready.count >= capacity
                    if done { state.refilling = false }
                    return done
                }
                if full { return }
            }
        }
    }
}
