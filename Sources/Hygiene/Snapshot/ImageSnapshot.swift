/// An image after its capture pass: every entry, the path index, and access to file contents through the
/// source. Rules read the image only through a snapshot, so every path they read is resolved inside the image.
public struct ImageSnapshot: Sendable {
    public let filesystem: any RootFilesystem
    /// Every entry, in the order the source produced them.
    public let entries: [FileEntry]
    /// Regular files that may hold a private key (by name or by their first bytes).
    public let keyCandidates: Set<String>
    /// Regular files whose first bytes are cloud-config or MIME multipart user data.
    public let cloudConfigCandidates: Set<String>
    /// Problems met during the capture pass.
    public let captureNotes: [ScanNote]
    public let policy: RetentionPolicy

    private let index: [String: FileEntry]
    private let childNames: [String: [String]]
    private let retained: [String: FileData]

    /// Captures `filesystem` (one pass) with `policy`.
    public init(filesystem: any RootFilesystem, policy: RetentionPolicy = RetentionPolicy(), progress: (ScanProgress) -> Void = { _ in }) {
        self.init(filesystem: filesystem, capture: filesystem.capture(policy: policy, progress: progress), policy: policy)
    }

    public init(filesystem: any RootFilesystem, capture: FilesystemCapture, policy: RetentionPolicy) {
        var index: [String: FileEntry] = [:]
        var children: [String: [String]] = [:]
        for entry in capture.entries {
            if index[entry.path] == nil {
                children[ImagePath.parent(of: entry.path), default: []].append(ImagePath.name(of: entry.path))
            }
            index[entry.path] = entry
            // Archives need not list every directory; the missing ones are implied by their contents.
            var parent = ImagePath.parent(of: entry.path)
            while parent != "/" && index[parent] == nil {
                index[parent] = FileEntry(path: parent, kind: .directory, size: 0, permissions: 0o755, uid: 0, gid: 0)
                children[ImagePath.parent(of: parent), default: []].append(ImagePath.name(of: parent))
                parent = ImagePath.parent(of: parent)
            }
        }
        self.filesystem = filesystem
        self.entries = capture.entries
        self.keyCandidates = capture.keyCandidates
        self.cloudConfigCandidates = capture.cloudConfigCandidates
        self.captureNotes = capture.notes
        self.policy = policy
        self.index = index
        self.childNames = children
        self.retained = capture.retained
    }

    /// What was scanned, as given.
    public var target: String { filesystem.displayName }

    /// The entry at `path` itself (a link is not followed), or nil.
    public func entry(at path: String) -> FileEntry? {
        path == "/" ? FileEntry.root : index[path]
    }

    /// `path` with every link followed inside the image.
    public func resolve(_ path: String, followFinalLink: Bool = true) -> Result<ResolvedPath, ReadFailure> {
        SymlinkResolver.resolve(path, followFinalLink: followFinalLink) { index[$0] }
    }

    /// True when `path` resolves to something in the image.
    public func exists(_ path: String) -> Bool {
        if case .success = resolve(path) { return true }
        return false
    }

    /// The entries directly inside `directory` (a resolved directory path).
    public func children(of directory: String) -> [FileEntry] {
        (childNames[directory] ?? []).compactMap { index[ImagePath.appending($0, to: directory)] }
    }

    /// Every entry lexically below `directory` (links are not followed), in capture order.
    public func entries(under directory: String) -> [FileEntry] {
        entries.filter { ImagePath.isInside($0.path, directory) && $0.path != directory }
    }

    /// Up to `limit` bytes (the policy's per-file maximum by default) of the regular file at `path`, links
    /// followed inside the image.
    public func data(at path: String, limit: Int? = nil) -> Result<FileData, ReadFailure> {
        let resolved: ResolvedPath
        switch resolve(path) {
        case .success(let found): resolved = found
        case .failure(let failure): return .failure(failure)
        }
        guard resolved.entry.kind == .regular else {
            return .failure(.notRegularFile(path: resolved.path, kind: resolved.entry.kindDescription))
        }
        let bound = limit ?? policy.maximumFileBytes
        if let kept = retained[resolved.path] {
            guard kept.bytes.count > bound else { return .success(kept) }
            return .success(FileData(bytes: Array(kept.bytes.prefix(bound)), truncated: true))
        }
        return filesystem.readRegularFile(atResolvedPath: resolved.path, limit: bound)
    }

    /// The file at `path` as text lines (LF or CRLF; no line terminators), or why it is not text.
    public func text(at path: String) -> TextRead {
        switch data(at: path) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let data):
            if data.bytes.prefix(8192).contains(0) { return .binary(truncated: data.truncated) }
            return .text(lines: Self.lines(of: data.bytes), truncated: data.truncated)
        }
    }

    /// Paths matching a glob pattern (`*`, `?`, `[…]` in any component), links followed inside the image,
    /// sorted byte-wise as glob(3) sorts them. Only existing paths are returned.
    public func expandGlob(_ pattern: String) -> [String] {
        var candidates = ["/"]
        for part in ImagePath.components(pattern) {
            var next: [String] = []
            for base in candidates {
                if Glob.hasWildcard(part) {
                    guard case .success(let directory) = resolve(base), directory.entry.isDirectory else { continue }
                    for name in childNames[directory.path] ?? [] where Glob.matches(part, name) {
                        next.append(ImagePath.appending(name, to: base))
                    }
                } else if part == ".." {
                    next.append(ImagePath.parent(of: base))
                } else if part != "." {
                    next.append(ImagePath.appending(Glob.unescaped(part), to: base))
                } else {
                    next.append(base)
                }
            }
            candidates = next
        }
        return candidates.filter { exists($0) }.sorted(by: ImagePath.precedes)
    }

    /// Splits bytes into lines at LF, dropping a CR before it; no empty last line for a final LF.
    static func lines(of bytes: [UInt8]) -> [String] {
        guard !bytes.isEmpty else { return [] }
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        if bytes.last == 0x0A { lines.removeLast() }
        return lines
    }
}

/// A file read as text.
public enum TextRead: Sendable {
    case text(lines: [String], truncated: Bool)
    case binary(truncated: Bool)
    case failure(ReadFailure)
}
