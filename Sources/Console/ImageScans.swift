import Foundation
import Hygiene
import Instances
import Logging
import Services
import Synchronization

/// Hygiene scans of custom images, run in the background after Create Custom Image (or on "Scan again"), kept in memory
/// by image id. A scan reads the image's own files only; its report holds paths and rule ids, never file contents.
final class ImageScans: Sendable {
    enum State: Sendable {
        case scanning(started: Date)
        case done(ScanReport, finished: Date)
        case failed(String)
        /// The image has no local files to scan (state-only instances).
        case unavailable
    }

    private let logger: Logger
    private let states = Mutex<[String: State]>([:])

    init(logger: Logger) {
        self.logger = logger
    }

    func state(of imageID: String) -> State? { states.withLock { $0[imageID] } }

    func forget(_ imageID: String) { states.withLock { _ = $0.removeValue(forKey: imageID) } }

    /// Starts a scan unless one runs. `locate` finds the image's files through the access door (as DescribeImages).
    func start(imageID: String, locate: @escaping @Sendable () async throws -> String?) {
        let began = states.withLock { states -> Bool in
            if case .scanning? = states[imageID] { return false }
            states[imageID] = .scanning(started: Date())
            return true
        }
        guard began else { return }
        Task {
            let outcome: State
            do {
                if let root = try await locate() {
                    let report = try await Offload.run { () throws(ScanTargetError) in try ImageScanner().scan(path: root) }
                    outcome = .done(report, finished: Date())
                } else {
                    outcome = .unavailable
                }
            } catch {
                logger.warning("image scan failed", metadata: ["image": "\(imageID)", "error": "\(error)"])
                outcome = .failed(Explanation.of(error))
            }
            states.withLock { $0[imageID] = outcome }
        }
    }
}
