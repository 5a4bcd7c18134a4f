/// The changes of one apply, each with what the entry held before it, so that a failed apply can put every
/// entry back. A change that would leave an entry as it is is not made and not recorded.
struct ChangeJournal {
    private struct Entry {
        let file: GuestFile
        let before: FileState
    }

    private var entries: [Entry] = []
    /// Guest paths changed, in order, each once.
    private(set) var changedPaths: [String] = []

    /// Makes `file` a regular file with `contents` and `attributes`, unless it already is exactly that.
    mutating func write(_ file: GuestFile, contents: [UInt8], attributes: FileAttributes) throws(ApplyError) {
        let current = try FileOps.state(of: file)
        switch current {
        case .file(let existing, let existingAttributes) where existing == contents && existingAttributes == attributes:
            return
        case .directory, .other:
            throw .unsafePath(path: file.guestPath, reason: "expected a regular file")
        case .absent, .file, .symlink:
            break
        }
        record(file, before: current)
        try FileOps.replace(file, contents: contents, attributes: attributes)
    }

    /// Removes a file or symbolic link if there is one.
    mutating func remove(_ file: GuestFile) throws(ApplyError) {
        let current = try FileOps.state(of: file)
        switch current {
        case .absent:
            return
        case .directory, .other:
            throw .unsafePath(path: file.guestPath, reason: "expected a regular file")
        case .file, .symlink:
            break
        }
        record(file, before: current)
        try FileOps.delete(file)
    }

    /// Makes `file` a directory with `attributes`, creating it if needed; a file or link in its place is refused.
    mutating func directory(_ file: GuestFile, attributes: FileAttributes) throws(ApplyError) {
        let current = try FileOps.state(of: file)
        switch current {
        case .absent:
            record(file, before: current)
            try FileOps.makeDirectory(file, attributes: attributes)
        case .directory(let existing):
            guard existing != attributes else { return }
            record(file, before: current)
            try FileOps.setDirectoryAttributes(file, attributes: attributes)
        case .file, .symlink, .other:
            throw .unsafePath(path: file.guestPath, reason: "expected a directory, found something else")
        }
    }

    /// Puts every changed entry back as it was, latest change first. Returns the guest paths that could not be restored.
    func restore() -> [String] {
        var failures: [String] = []
        for entry in entries.reversed() {
            do throws(ApplyError) {
                let now = try FileOps.state(of: entry.file)
                switch entry.before {
                case .absent:
                    if now != .absent { try FileOps.delete(entry.file) }
                case .file(let contents, let attributes):
                    if case .directory = now { try FileOps.delete(entry.file) }
                    try FileOps.replace(entry.file, contents: contents, attributes: attributes)
                case .directory(let attributes):
                    if now == .absent {
                        try FileOps.makeDirectory(entry.file, attributes: attributes)
                    } else {
                        try FileOps.setDirectoryAttributes(entry.file, attributes: attributes)
                    }
                case .symlink(let target):
                    if now != .absent { try FileOps.delete(entry.file) }
                    try FileOps.makeSymlink(entry.file, target: target)
                case .other:
                    break
                }
            } catch {
                failures.append(entry.file.guestPath)
            }
        }
        return failures
    }

    private mutating func record(_ file: GuestFile, before: FileState) {
        if !entries.contains(where: { $0.file.hostPath == file.hostPath }) {
            entries.append(Entry(file: file, before: before))
        }
        if !changedPaths.contains(file.guestPath) {
            changedPaths.append(file.guestPath)
        }
    }
}
