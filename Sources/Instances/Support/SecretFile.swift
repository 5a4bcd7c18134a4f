import Foundation

/// Writes files that hold secrets: created with their mode from the start (never readable by others, not even
/// for a moment), written durably, then moved into place so that a reader sees the old file or the new one.
public enum SecretFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Replaces `path` with `bytes`, mode `mode`.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(Failure) {
        let temporary = path + ".keyward-" + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        do {
            defer { close(descriptor) }
            try FileOps.writeAll(descriptor, bytes, guestPath: temporary)
            guard fsync(descriptor) == 0 else { throw ApplyError.io(path: temporary, reason: "fsync failed") }
        } catch {
            unlink(temporary)
            throw Failure(description: "cannot write \(path): \(error)")
        }
        try install(temporary, as: path)
    }

    /// Renames `source` over `path` and makes the rename durable.
    public static func install(_ source: String, as path: String) throws(Failure) {
        guard rename(source, path) == 0 else { throw Failure(description: "cannot move \(source) to \(path): \(String(cString: strerror(errno)))") }
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }
}
