/// One entry of an image as `lstat` sees it: a symbolic link is an entry of its own, never its target.
public struct FileEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case regular
        case directory
        case symlink(target: String)
        /// A device, FIFO or socket, named (`character device`, `fifo`, …).
        case other(String)
    }

    /// The path inside the image.
    public let path: String
    public let kind: Kind
    /// Bytes, as the directory or the archive header states it; never trusted beyond what can be read.
    public let size: Int64
    /// The permission bits (`mode & 0o7777`).
    public let permissions: UInt32
    public let uid: UInt32
    public let gid: UInt32

    public init(path: String, kind: Kind, size: Int64, permissions: UInt32, uid: UInt32, gid: UInt32) {
        self.path = path
        self.kind = kind
        self.size = size
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
    }

    public var isRegular: Bool { kind == .regular }
    public var isDirectory: Bool { kind == .directory }

    public var symlinkTarget: String? {
        if case .symlink(let target) = kind { return target }
        return nil
    }

    /// `regular file`, `directory`, `symbolic link`, or the device kind.
    public var kindDescription: String {
        switch kind {
        case .regular: "regular file"
        case .directory: "directory"
        case .symlink: "symbolic link"
        case .other(let name): name
        }
    }

    /// The image root: a directory owned by root.
    static let root = FileEntry(path: "/", kind: .directory, size: 0, permissions: 0o755, uid: 0, gid: 0)
}

/// Bytes read from a file: at most the limit asked for, and whether more was there.
public struct FileData: Sendable, Hashable {
    public let bytes: [UInt8]
    /// True when the file holds more than `bytes` (the rest was not read).
    public let truncated: Bool

    public init(bytes: [UInt8], truncated: Bool) {
        self.bytes = bytes
        self.truncated = truncated
    }
}

/// A path resolved inside the image: every symbolic link on the way followed, none leading out.
public struct ResolvedPath: Sendable, Hashable {
    /// The path with no link left in it.
    public let path: String
    public let entry: FileEntry
}

/// Why a file of the image could not be read. None of these reads anything outside the image.
public enum ReadFailure: Error, Sendable, Hashable, CustomStringConvertible {
    case missing(path: String)
    /// A link whose target does not exist in the image.
    case danglingLink(link: String, target: String)
    /// A link whose target climbs above the image root with `..`; it is not followed.
    case escapesRoot(link: String, target: String)
    /// More than 40 links on the way (a loop).
    case linkLoop(path: String)
    /// A path component that is a file, not a directory.
    case notDirectory(path: String)
    case notRegularFile(path: String, kind: String)
    case unreadable(path: String, reason: String)
    /// The file was in an archive stream and its content was not kept (it did not look like anything a rule reads).
    case notRetained(path: String)

    /// True for a plain "no such file", which is normal for optional files.
    public var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .missing(let path):
            "\(path) does not exist"
        case .danglingLink(let link, let target):
            "symbolic link \(link) -> \(target) points to nothing in the image"
        case .escapesRoot(let link, let target):
            "symbolic link \(link) -> \(target) leads out of the image root; not followed"
        case .linkLoop(let path):
            "too many symbolic links resolving \(path) (a loop?); not followed"
        case .notDirectory(let path):
            "\(path) is used as a directory but is not one"
        case .notRegularFile(let path, let kind):
            "\(path) is a \(kind), not a regular file"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .notRetained(let path):
            "content of \(path) was not kept from the archive stream"
        }
    }
}
