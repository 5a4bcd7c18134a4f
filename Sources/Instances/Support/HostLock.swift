import Foundation

/// An exclusive, advisory lock on a file (`flock`), held for as long as the value lives. The file records who holds
/// it, so that the next process that asks can say which server is in the way. The kernel drops the lock when the
/// holder dies, however it dies: a stale file never blocks a restart.
public final class HostLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Why a lock could not be taken.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Another live process holds it; `holder` is what it recorded (e.g. its data directory and pid).
        case held(path: String, holder: String)
        case unavailable(path: String, reason: String)

        public var description: String {
            switch self {
            case .held(let path, let holder): "\(path) is locked by \(holder.isEmpty ? "another process" : holder)"
            case .unavailable(let path, let reason): "cannot lock \(path): \(reason)"
            }
        }
    }

    /// Takes the lock at `path` without waiting, recording `holder` in the file.
    public init(path: String, holder: String) throws(Failure) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unavailable(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            guard code == EWOULDBLOCK else { throw .unavailable(path: path, reason: String(cString: strerror(code))) }
            throw .held(path: path, holder: Self.recordedHolder(path))
        }
        _ = ftruncate(descriptor, 0)
        let bytes = Array((holder + "\n").utf8)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.path = path
        self.descriptor = descriptor
    }

    /// What the holder wrote; read twice if empty, since a new holder truncates the file before writing it.
    private static func recordedHolder(_ path: String) -> String {
        for attempt in 0..<2 {
            let text = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty || attempt == 1 { return text }
            usleep(20_000)
        }
        return ""
    }

    deinit {
        close(descriptor)
    }
}
