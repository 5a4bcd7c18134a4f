import Foundation

/// Writes files that hold secrets: created with their mode from the start (never readable by others, not even
/// for a moment), written durably, then moved into place so that a reader sees the old file or the new one.
public enum SecretFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Replaces `path` with `bytes`, mode `mode`.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(Failure) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { break }
            offset += written
        }
        let synced = fsync(descriptor)
        close(descriptor)
        guard offset == bytes.count, synced == 0 else {
            unlink(temporary)
            throw Failure(description: "cannot write \(temporary)")
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
