#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with errno.
struct SystemCallError: Error, Sendable, Hashable, CustomStringConvertible {
    let code: Int32
    let operation: String

    var description: String { "\(operation): \(String(cString: strerror(code)))" }

    var isPermissionDenied: Bool { code == EACCES || code == EPERM }
    var isNotFound: Bool { code == ENOENT }
    var isSymbolicLink: Bool { code == ELOOP }
}

/// What `lstat`/`stat` report about a host path.
struct HostFileStatus: Sendable, Hashable {
    enum FileType: Sendable, Hashable {
        case regular, directory, symlink, characterDevice, blockDevice, fifo, socket, unknown
    }

    let type: FileType
    let size: Int64
    let permissions: UInt32
    let uid: UInt32
    let gid: UInt32
    let device: UInt64
    let inode: UInt64
}

/// The few POSIX calls the scanner and the sanitizer need, each bounded and never following a final link
/// unless asked to.
enum SystemCalls {
    /// `lstat`: a final symbolic link is described as itself.
    static func linkStatus(_ path: String) -> HostFileStatus? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return hostStatus(info)
    }

    /// `stat`: follows links (used only for the path a user names on the command line).
    static func followingStatus(_ path: String) -> HostFileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return hostStatus(info)
    }

    static func lastError(_ operation: String) -> SystemCallError {
        SystemCallError(code: errno, operation: operation)
    }

    private static func hostStatus(_ info: stat) -> HostFileStatus {
        let mode = UInt32(info.st_mode)
        let type: HostFileStatus.FileType
        switch mode & 0o170000 {
        case 0o100000: type = .regular
        case 0o040000: type = .directory
        case 0o120000: type = .symlink
        case 0o020000: type = .characterDevice
        case 0o060000: type = .blockDevice
        case 0o010000: type = .fifo
        case 0o140000: type = .socket
        default: type = .unknown
        }
        return HostFileStatus(
            type: type,
            size: Int64(info.st_size),
            permissions: mode & 0o7777,
            uid: UInt32(info.st_uid),
            gid: UInt32(info.st_gid),
            device: UInt64(truncatingIfNeeded: info.st_dev),
            inode: UInt64(truncatingIfNeeded: info.st_ino)
        )
    }

    /// The target text of a symbolic link.
    static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `realpath(3)`: the path with every link followed, on the host. Used only to prove that a path has none.
    static func canonicalPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// The names in a directory, unsorted, without `.` and `..`.
    static func directoryNames(_ path: String) -> Result<[String], SystemCallError> {
        guard let handle = opendir(path) else { return .failure(lastError("open directory")) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names)
    }

    /// Up to `limit` bytes of the regular file at `path`. A final symbolic link is refused (`O_NOFOLLOW`),
    /// and so is anything that is not a regular file once opened (FIFOs never block: `O_NONBLOCK`).
    static func readRegularFile(_ path: String, limit: Int, followFinalLink: Bool = false) -> Result<FileData, SystemCallError> {
        var flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK
        if !followFinalLink { flags |= O_NOFOLLOW }
        let descriptor = open(path, flags)
        guard descriptor >= 0 else { return .failure(lastError("open")) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(lastError("fstat")) }
        guard UInt32(info.st_mode) & 0o170000 == 0o100000 else {
            return .failure(SystemCallError(code: EINVAL, operation: "not a regular file"))
        }
        let wanted = max(0, limit) + 1  // one byte more than the limit tells whether the file has more
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(wanted, max(0, Int(info.st_size)) + 1))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count < wanted {
            let request = min(chunk.count, wanted - bytes.count)
            let count = chunk.withUnsafeMutableBytes { buffer in read(descriptor, buffer.baseAddress, request) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(lastError("read"))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        let truncated = bytes.count > limit
        if truncated { bytes.removeSubrange(max(0, limit)...) }
        return .success(FileData(bytes: bytes, truncated: truncated))
    }

    /// Replaces (or creates) the file at `path` with `bytes`: a temporary file in the same directory, written,
    /// given `permissions`, `uid` and `gid`, flushed with fsync, then renamed over the target; the directory is
    /// flushed too. A reader sees either the old or the new content, never a mix.
    static func replaceFile(_ path: String, with bytes: [UInt8], permissions: UInt32, uid: UInt32, gid: UInt32) -> SystemCallError? {
        let directory = hostParent(path)
        let temporary = directory + "/.keyward-" + String(UInt64.random(in: .min ... .max), radix: 16)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(0o600))
        guard descriptor >= 0 else { return lastError("create temporary file") }
        var failure: SystemCallError?
        var written = 0
        while written < bytes.count && failure == nil {
            let count = bytes.withUnsafeBytes { buffer in write(descriptor, buffer.baseAddress! + written, buffer.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = lastError("write")
            } else {
                written += count
            }
        }
        if failure == nil && fchown(descriptor, uid_t(uid), gid_t(gid)) != 0 { failure = lastError("chown") }
        if failure == nil && fchmod(descriptor, mode_t(permissions & 0o7777)) != 0 { failure = lastError("chmod") }
        if failure == nil && fsync(descriptor) != 0 { failure = lastError("fsync") }
        close(descriptor)
        if failure == nil && rename(temporary, path) != 0 { failure = lastError("rename") }
        if let failure {
            unlink(temporary)
            return failure
        }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        return nil
    }

    /// Removes a file, link or empty directory entry without following links.
    static func removeEntry(_ path: String, isDirectory: Bool) -> SystemCallError? {
        if isDirectory {
            return rmdir(path) == 0 ? nil : lastError("rmdir")
        }
        return unlink(path) == 0 ? nil : lastError("unlink")
    }

    /// Removes `path` and, for a real directory, everything below it. Links are removed, never followed.
    static func removeTree(_ path: String, depth: Int = 0) -> SystemCallError? {
        guard depth < 512 else { return SystemCallError(code: ELOOP, operation: "remove (nested too deeply)") }
        guard let status = linkStatus(path) else { return lastError("lstat") }
        guard status.type == .directory else { return removeEntry(path, isDirectory: false) }
        switch directoryNames(path) {
        case .failure(let error):
            return error
        case .success(let names):
            for name in names {
                if let error = removeTree(path + "/" + name, depth: depth + 1) { return error }
            }
        }
        return removeEntry(path, isDirectory: true)
    }

    /// The directory part of a host path (`/a/b` → `/a`, `/a` → `/`).
    static func hostParent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    /// Whether a file descriptor is a terminal.
    static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }
}
