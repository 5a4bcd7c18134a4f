import Dispatch
import Foundation
import Logging

/// Bounds a graceful shutdown: once SIGTERM or SIGINT arrives, the server has `limit` to finish what is in flight;
/// then the process ends anyway. Nothing is lost by that: every write is a committed transaction, and sandboxes run
/// on their own, to be adopted by the next start.
public final class ShutdownDeadline {
    private let sources: [any DispatchSourceSignal]

    public init(limit: Duration, logger: Logger) {
        let queue = DispatchQueue(label: "keyward.shutdown-deadline")
        sources = [SIGTERM, SIGINT].map { number in
            // Delivered through the dispatch source only (swift-service-lifecycle does the same for its own).
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                queue.asyncAfter(deadline: .now() + .milliseconds(Int(limit.components.seconds * 1000))) {
                    logger.error("shutdown did not finish in time: exiting with work in flight", metadata: ["limit": "\(limit.components.seconds) s"])
                    _exit(1)
                }
            }
            source.resume()
            return source
        }
    }
}
