import Dispatch

/// Runs blocking work (key generation, file rewriting, subprocesses) on a Dispatch thread, so that it holds
/// neither an event loop nor a thread of the cooperative pool.
public enum Offload {
    public static func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: Result { () throws(E) in try work() })
            }
        }
        return try result.get()
    }
}
