/// One pass over a host directory: `lstat` every entry, never enter a linked directory, visit each real
/// directory once (bind mounts and loops cannot recurse forever), and sniff the first bytes of every regular
/// file for private key armour and cloud-init user data.
struct DirectoryWalker {
    static let maximumDepth = 256
    static let maximumEntries = 5_000_000
    /// Kernel pseudo-filesystems of a live root: nothing of the image in them.
    static let pseudoFilesystems: Set<String> = ["/proc", "/sys"]

    let root: DirectoryRoot
    let policy: RetentionPolicy

    private struct DirectoryIdentity: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    private struct Pending {
        let path: String
        let depth: Int
    }

    func walk(progress: (ScanProgress) -> Void) -> FilesystemCapture {
        var capture = FilesystemCapture()
        var visited: Set<DirectoryIdentity> = []
        if let status = SystemCalls.linkStatus(root.hostPath("/")) {
            visited.insert(DirectoryIdentity(device: status.device, inode: status.inode))
        }
        var stack = [Pending(path: "/", depth: 0)]
        var bytes: Int64 = 0
        while let directory = stack.popLast() {
            let names: [String]
            switch SystemCalls.directoryNames(root.hostPath(directory.path)) {
            case .success(let found):
                names = found.sorted(by: ImagePath.precedes)
            case .failure(let error):
                capture.notes.append(ScanNote(path: directory.path, message: "directory not listed: \(error)"))
                continue
            }
            var subdirectories: [Pending] = []
            for name in names {
                guard capture.entries.count < Self.maximumEntries else {
                    capture.notes.append(ScanNote(path: nil, message: "stopped after \(Self.maximumEntries) entries"))
                    return capture
                }
                let path = ImagePath.appending(name, to: directory.path)
                guard let status = SystemCalls.linkStatus(root.hostPath(path)) else {
                    capture.notes.append(ScanNote(path: path, message: "entry vanished or cannot be examined"))
                    continue
                }
                let target = status.type == .symlink ? SystemCalls.linkTarget(root.hostPath(path)) : nil
                let entry = FileEntry(path: path, status: status, linkTarget: target)
                capture.entries.append(entry)
                switch status.type {
                case .directory:
                    let identity = DirectoryIdentity(device: status.device, inode: status.inode)
                    if Self.pseudoFilesystems.contains(path) { continue }
                    if directory.depth + 1 > Self.maximumDepth {
                        capture.notes.append(ScanNote(path: path, message: "nested deeper than \(Self.maximumDepth) directories; not entered"))
                    } else if visited.insert(identity).inserted {
                        subdirectories.append(Pending(path: path, depth: directory.depth + 1))
                    } else {
                        capture.notes.append(ScanNote(path: path, message: "directory already visited (bind mount or loop); not entered again"))
                    }
                case .regular:
                    bytes += status.size
                    sniff(entry, into: &capture)
                default:
                    break
                }
                if capture.entries.count % 1000 == 0 { progress(ScanProgress(entries: capture.entries.count, bytes: bytes)) }
            }
            stack.append(contentsOf: subdirectories.reversed())
        }
        progress(ScanProgress(entries: capture.entries.count, bytes: bytes))
        return capture
    }

    /// Marks files that may hold a private key or be cloud-init user data; problems reading files the rules need
    /// become notes. A file named like a key is taken for one without being read.
    private func sniff(_ entry: FileEntry, into capture: inout FilesystemCapture) {
        if policy.isKeyCandidateByName(entry.path) {
            capture.keyCandidates.insert(entry.path)
            return
        }
        guard entry.size > 0 else { return }
        switch root.readWalkedFile(entry.path, limit: policy.sniffBytes) {
        case .success(let head):
            if RetentionPolicy.containsPrivateKeyMarker(head.bytes) { capture.keyCandidates.insert(entry.path) }
            if UserData.kind(ofHead: head.bytes) != nil { capture.cloudConfigCandidates.insert(entry.path) }
        case .failure(let failure):
            capture.notes.append(ScanNote(path: entry.path, message: failure.description))
        }
    }
}
