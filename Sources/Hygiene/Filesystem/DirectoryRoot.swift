/// A root filesystem that is a directory on the host (an unpacked image, a mounted disk, or `/` itself).
///
/// Directories are walked with `lstat` and never entered through a link; files are opened with `O_NOFOLLOW`
/// after checking that no directory on the way is a link, so a read never leaves the directory.
public struct DirectoryRoot: RootFilesystem {
    /// The directory as given.
    public let displayName: String
    /// The directory with every link resolved; "" for the host root, so that `hostPrefix + "/etc"` is `/etc`.
    let hostPrefix: String

    public var kindName: String { "directory" }

    /// - Throws: ``ScanTargetError`` when `path` does not exist or is not a directory.
    public init(path: String) throws(ScanTargetError) {
        guard let canonical = SystemCalls.canonicalPath(path) else { throw .notFound(path: path) }
        guard SystemCalls.linkStatus(canonical)?.type == .directory else { throw .unsupported(path: path, reason: "not a directory") }
        displayName = path
        hostPrefix = canonical == "/" ? "" : canonical
    }

    /// The host path of an image path.
    func hostPath(_ imagePath: String) -> String {
        imagePath == "/" ? (hostPrefix.isEmpty ? "/" : hostPrefix) : hostPrefix + imagePath
    }

    /// True when no directory between the root and `imagePath` is a link on the host right now.
    func parentIsReal(_ imagePath: String) -> Bool {
        let parent = hostPath(ImagePath.parent(of: imagePath))
        return SystemCalls.canonicalPath(parent) == parent
    }

    public func capture(policy: RetentionPolicy, progress: (ScanProgress) -> Void) -> FilesystemCapture {
        let walker = DirectoryWalker(root: self, policy: policy)
        return walker.walk(progress: progress)
    }

    public func readRegularFile(atResolvedPath path: String, limit: Int) -> Result<FileData, ReadFailure> {
        guard parentIsReal(path) else {
            return .failure(.unreadable(path: path, reason: "a directory on the way is a symbolic link on the host"))
        }
        return readWalkedFile(path, limit: limit)
    }

    /// Reads a file whose directories the walk has just seen as real directories.
    func readWalkedFile(_ path: String, limit: Int) -> Result<FileData, ReadFailure> {
        switch SystemCalls.readRegularFile(hostPath(path), limit: limit) {
        case .success(let data):
            return .success(data)
        case .failure(let error) where error.isNotFound:
            return .failure(.missing(path: path))
        case .failure(let error) where error.isSymbolicLink:
            return .failure(.notRegularFile(path: path, kind: "symbolic link"))
        case .failure(let error) where error.isPermissionDenied:
            return .failure(.unreadable(path: path, reason: "permission denied"))
        case .failure(let error):
            return .failure(.unreadable(path: path, reason: error.description))
        }
    }

    /// The entry at an image path whose directories are real, as `lstat` sees it now.
    func entry(at path: String) -> FileEntry? {
        guard let status = SystemCalls.linkStatus(hostPath(path)) else { return nil }
        return FileEntry(path: path, status: status, linkTarget: status.type == .symlink ? SystemCalls.linkTarget(hostPath(path)) : nil)
    }
}

extension FileEntry {
    init(path: String, status: HostFileStatus, linkTarget: String?) {
        let kind: Kind
        switch status.type {
        case .regular: kind = .regular
        case .directory: kind = .directory
        case .symlink: kind = .symlink(target: linkTarget ?? "")
        case .characterDevice: kind = .other("character device")
        case .blockDevice: kind = .other("block device")
        case .fifo: kind = .other("fifo")
        case .socket: kind = .other("socket")
        case .unknown: kind = .other("unknown file type")
        }
        self.init(path: path, kind: kind, size: status.size, permissions: status.permissions, uid: status.uid, gid: status.gid)
    }
}
