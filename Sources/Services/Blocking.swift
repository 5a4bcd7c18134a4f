import Dispatch

/// Runs CPU-heavy synchronous work (RSA key generation) on a Dispatch thread, off the cooperative pool
/// and the event loops.
enum Blocking {
    static func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: Result { () throws(E) in try work() })
            }
        }
        return try result.get()
    }
}
