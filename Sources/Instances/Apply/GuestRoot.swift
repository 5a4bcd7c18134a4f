import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An entry of the guest file system: its path as the guest sees it and where it lives on the host.
struct GuestFile: Sendable, Hashable {
    /// The path inside the guest, such as `/etc/shadow`.
    let guestPath: String
    /// The host path of the directory holding the entry (its own symbolic links already resolved).
    let directory: String
    let name: String

    var hostPath: String { directory == "/" ? "/" + name : directory + "/" + name }

    /// An entry inside this one, which must be a directory.
    func child(_ name: String) -> GuestFile {
        GuestFile(guestPath: guestPath == "/" ? "/" + name : guestPath + "/" + name, directory: hostPath, name: name)
    }
}

/// A guest's root directory on the host (an instance's root file system, or `/` on a real host), and the
/// translation of guest paths into host paths that never leaves it.
struct GuestRoot: Sendable {
    /// The canonical host path of the root, without a trailing slash (`/` for the host itself).
    let hostPath: String

    init(_ path: String) throws(ApplyError) {
        guard path.hasPrefix("/") else { throw .invalidGuestRoot(path: path, reason: "not an absolute path") }
        guard let resolved = realpath(path, nil) else {
            throw .invalidGuestRoot(path: path, reason: String(cString: strerror(errno)))
        }
        let canonical = String(cString: resolved)
        free(resolved)
        var info = stat()
        guard stat(canonical, &info) == 0, UInt32(info.st_mode) & FileOps.typeMask == FileOps.directoryType else {
            throw .invalidGuestRoot(path: path, reason: "not a directory")
        }
        hostPath = canonical
    }

    var isHostRoot: Bool { hostPath == "/" }

    /// Resolves `guestPath` as the guest would: symbolic links are followed inside the guest (an absolute target
    /// starts again at the guest root, `..` stops at it). With `followFinal` false the last component is left
    /// as it is, link or not.
    func locate(_ guestPath: String, followFinal: Bool) throws(ApplyError) -> GuestFile {
        var resolved: [String] = []
        var pending = Array(Self.components(guestPath).reversed())
        var hops = 0
        while let component = pending.popLast() {
            if component == "." { continue }
            if component == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = resolved + [component]
            if pending.isEmpty, !followFinal {
                resolved = candidate
                break
            }
            var info = stat()
            let candidatePath = host(candidate)
            if lstat(candidatePath, &info) == 0, UInt32(info.st_mode) & FileOps.typeMask == FileOps.symlinkType {
                hops += 1
                guard hops <= 40 else { throw .unsafePath(path: guestPath, reason: "too many levels of symbolic links") }
                guard let target = Self.readLink(candidatePath) else { throw FileOps.failure(guestPath, "cannot read a link on the way") }
                if target.hasPrefix("/") { resolved = [] }
                pending.append(contentsOf: Self.components(target).reversed())
            } else {
                resolved = candidate
            }
        }
        guard let name = resolved.last else { throw .unsafePath(path: guestPath, reason: "names the guest root itself") }
        return GuestFile(guestPath: "/" + resolved.joined(separator: "/"), directory: host(Array(resolved.dropLast())), name: name)
    }

    /// The host path of guest path components that are already resolved.
    func host(_ components: [String]) -> String {
        if components.isEmpty { return hostPath }
        return (hostPath == "/" ? "" : hostPath) + "/" + components.joined(separator: "/")
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }

    private static func readLink(_ path: String) -> String? {
        let capacity = 4096
        var buffer = [CChar](repeating: 0, count: capacity + 1)
        let count = readlink(path, &buffer, capacity)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
