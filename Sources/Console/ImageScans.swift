import Dispatch
import Foundation
import Hygiene
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

    private let images: ImageService
    private let logger: Logger
    private let states = Mutex<[String: State]>([:])

    init(images: ImageService, logger: Logger) {
        self.images = images
        self.logger = logger
    }

    func state(of imageID: String) -> State? { states.withLock { $0[imageID] } }

    func forget(_ imageID: String) { states.withLock { _ = $0.removeValue(forKey: imageID) } }

    /// Starts a scan unless one runs; the image's location is looked up through the access door as DescribeImages.
    func start(imageID: String, request: ConsoleRequest) {
        let began = states.withLock { states -> Bool in
            if case .scanning? = states[imageID] { return false }
            states[imageID] = .scanning(started: Date())
            return true
        }
        guard began else { return }
        let images = self.images
        Task {
            let outcome: State
            do {
                let located = try await request.gatewayPerform(.describeImages) { try await images.localRoot($0, imageID: imageID) }
                if let root = located.root {
                    let report = try await Self.scan(root)
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

    private static func scan(_ root: String) async throws -> ScanReport {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try ImageScanner().scan(path: root))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
