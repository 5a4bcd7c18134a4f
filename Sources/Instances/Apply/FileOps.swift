import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Permission bits and owner of a file or directory.
struct FileAttributes: Equatable, Sendable {
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
}

/// What a guest path held at one moment: enough to put it back byte for byte.
enum FileState: Equatable, Sendable {
    case absent
    case file(contents: [UInt8], attributes: FileAttributes)
    case directory(FileAttributes)
    case symlink(target: [UInt8])
    /// A socket, device or FIFO: never written.
    case other
}

/// File operations on one entry of an already resolved directory. Every call works relative to a descriptor
/// of that directory and never follows a symbolic link in the entry's place, so a link swapped in by a guest
/// user cannot redirect a write.
enum FileOps {
    static let typeMask: UInt32 = 0o170000
    static let regularType: UInt32 = 0o100000
    static let directoryType: UInt32 = 0o040000
    static let symlinkType: UInt32 = 0o120000

    static func state(of file: GuestFile) throws(ApplyError) -> FileState {
        guard let directory = try openDirectory(file.directory, guestPath: file.guestPath) else { return .absent }
        defer { close(directory) }
        var info = stat()
        guard fstatat(directory, file.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return .absent }
            throw failure(file.guestPath, "cannot stat")
        }
        let attributes = FileAttributes(mode: UInt32(info.st_mode) & 0o7777, uid: UInt32(info.st_uid), gid: UInt32(info.st_gid))
        switch UInt32(info.st_mode) & typeMask {
        case regularType:
            let descriptor = openat(directory, file.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else { throw failure(file.guestPath, "cannot open") }
            defer { close(descriptor) }
            return .file(contents: try readAll(descriptor, guestPath: file.guestPath), attributes: attributes)
        case directoryType:
            return .directory(attributes)
        case symlinkType:
            let capacity = 4096
            var buffer = [CChar](repeating: 0, count: capacity + 1)
            let count = readlinkat(directory, file.name, &buffer, capacity)
            guard count >= 0 else { throw failure(file.guestPath, "cannot read the link") }
            return .symlink(target: buffer[0..<count].map { UInt8(bitPattern: $0) })
        default:
            return .other
        }
    }

    /// Replaces the entry with a regular file: a temporary file in the same directory, written, owned, moded and
    /// synced, then renamed over it. An entry that is itself a mount point (a bind-mounted file) cannot be renamed
    /// over (the rename fails with EBUSY), so it is rewritten in place instead: the kernel's answer, which costs
    /// nothing, where a search of the mount table would grow with every mount of the host.
    static func replace(_ file: GuestFile, contents: [UInt8], attributes: FileAttributes) throws(ApplyError) {
        guard let directory = try openDirectory(file.directory, guestPath: file.guestPath) else {
            throw ApplyError.io(path: file.guestPath, reason: "the containing directory does not exist")
        }
        defer { close(directory) }
        let temporary = "." + file.name + ".keyward-" + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ".tmp"
        let descriptor = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(file.guestPath, "cannot create a temporary file") }
        do throws(ApplyError) {
            defer { close(descriptor) }
            try writeAll(descriptor, contents, guestPath: file.guestPath)
            try setAttributes(descriptor, attributes, guestPath: file.guestPath)
            guard fsync(descriptor) == 0 else { throw failure(file.guestPath, "fsync failed") }
        } catch {
            unlinkat(directory, temporary, 0)
            throw error
        }
        if renameat(directory, temporary, directory, file.name) != 0 {
            let code = errno
            unlinkat(directory, temporary, 0)
            guard code == EBUSY else { throw failure(file.guestPath, "rename failed", code: code) }
            try writeInPlace(directory: directory, file: file, contents: contents, attributes: attributes)
            return
        }
        fsync(directory)
    }

    private static func writeInPlace(directory: Int32, file: GuestFile, contents: [UInt8], attributes: FileAttributes) throws(ApplyError) {
        let descriptor = openat(directory, file.name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(file.guestPath, "cannot open for writing") }
        defer { close(descriptor) }
        try writeAll(descriptor, contents, guestPath: file.guestPath)
        try setAttributes(descriptor, attributes, guestPath: file.guestPath)
        guard fsync(descriptor) == 0 else { throw failure(file.guestPath, "fsync failed") }
    }

    /// Removes a file or symbolic link, or an empty directory.
    static func delete(_ file: GuestFile) throws(ApplyError) {
        guard let directory = try openDirectory(file.directory, guestPath: file.guestPath) else { return }
        defer { close(directory) }
        var info = stat()
        guard fstatat(directory, file.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw failure(file.guestPath, "cannot stat")
        }
        let flags: Int32 = UInt32(info.st_mode) & typeMask == directoryType ? AT_REMOVEDIR : 0
        guard unlinkat(directory, file.name, flags) == 0 else { throw failure(file.guestPath, "cannot remove") }
        fsync(directory)
    }

    static func makeDirectory(_ file: GuestFile, attributes: FileAttributes) throws(ApplyError) {
        guard let directory = try openDirectory(file.directory, guestPath: file.guestPath) else {
            throw ApplyError.io(path: file.guestPath, reason: "the containing directory does not exist")
        }
        defer { close(directory) }
        guard mkdirat(directory, file.name, 0o700) == 0 else { throw failure(file.guestPath, "cannot create the directory") }
        try setDirectoryAttributes(file, attributes: attributes)
        fsync(directory)
    }

    /// Sets the owner and mode of an existing directory, refusing a symbolic link in its place.
    static func setDirectoryAttributes(_ file: GuestFile, attributes: FileAttributes) throws(ApplyError) {
        guard let descriptor = try openDirectory(file.hostPath, guestPath: file.guestPath) else {
            throw ApplyError.io(path: file.guestPath, reason: "the directory does not exist")
        }
        defer { close(descriptor) }
        try setAttributes(descriptor, attributes, guestPath: file.guestPath)
    }

    static func makeSymlink(_ file: GuestFile, target: [UInt8]) throws(ApplyError) {
        guard let directory = try openDirectory(file.directory, guestPath: file.guestPath) else {
            throw ApplyError.io(path: file.guestPath, reason: "the containing directory does not exist")
        }
        defer { close(directory) }
        let targetText = String(decoding: target, as: UTF8.self)
        guard symlinkat(targetText, directory, file.name) == 0 else { throw failure(file.guestPath, "cannot create the link") }
    }

    /// Names in a host directory (without `.` and `..`); empty when it cannot be listed.
    static func list(_ hostDirectory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: hostDirectory)) ?? []
    }

    /// The whole content of a host file such as `/proc/self/mountinfo`, whose size `stat` does not tell.
    static func readHostFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return try? readAll(descriptor, guestPath: path)
    }

    // MARK: - Descriptors

    /// A descriptor of the directory, or nil when it does not exist. A symbolic link in its last component is refused.
    private static func openDirectory(_ hostPath: String, guestPath: String) throws(ApplyError) -> Int32? {
        let descriptor = open(hostPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if descriptor >= 0 { return descriptor }
        switch errno {
        case ENOENT: return nil
        case ELOOP, ENOTDIR: throw ApplyError.unsafePath(path: guestPath, reason: "a path component is not a directory")
        default: throw failure(guestPath, "cannot open the containing directory")
        }
    }

    private static func readAll(_ descriptor: Int32, guestPath: String) throws(ApplyError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(guestPath, "read failed")
            }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
        }
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], guestPath: String) throws(ApplyError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(guestPath, "write failed")
            }
            offset += count
        }
    }

    private static func setAttributes(_ descriptor: Int32, _ attributes: FileAttributes, guestPath: String) throws(ApplyError) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(guestPath, "cannot stat") }
        if UInt32(info.st_uid) != attributes.uid || UInt32(info.st_gid) != attributes.gid {
            guard fchown(descriptor, uid_t(attributes.uid), gid_t(attributes.gid)) == 0 else {
                throw failure(guestPath, "cannot give it to \(attributes.uid):\(attributes.gid) (running as uid \(geteuid()))")
            }
        }
        guard fchmod(descriptor, mode_t(attributes.mode)) == 0 else { throw failure(guestPath, "cannot set its mode") }
    }

    static func failure(_ guestPath: String, _ what: String, code: Int32 = errno) -> ApplyError {
        .io(path: guestPath, reason: "\(what): \(String(cString: strerror(code)))")
    }
}
