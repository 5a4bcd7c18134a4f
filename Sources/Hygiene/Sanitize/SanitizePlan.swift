/// One change a sanitize run makes (or, with `--dry-run`, would make).
public struct SanitizeAction: Sendable, Hashable {
    public let operation: SanitizeOperation
    /// The image path changed.
    public let path: String
    /// What happens, e.g. "lock 'root' (was sha512crypt ($6$))".
    public let summary: String
}

/// The exact changes of a sanitize run, computed from the image without touching it.
public struct SanitizePlan: Sendable {
    public let actions: [SanitizeAction]
    /// What could not be planned (a file too large to edit, a link out of the image, …).
    public let notes: [ScanNote]
    /// Files to write, with their final content (several actions may change one file).
    let writes: [FileWrite]
    /// Entries to remove.
    let removals: [Removal]

    public var isEmpty: Bool { actions.isEmpty }
}

/// A file's new content and the metadata it must keep.
struct FileWrite: Sendable, Hashable {
    let path: String
    let content: [UInt8]
    let permissions: UInt32
    let uid: UInt32
    let gid: UInt32
    /// The file does not exist yet (an sshd_config the image lacks).
    let creates: Bool
}

/// An entry to delete; a real directory with everything below it when `recursive`.
struct Removal: Sendable, Hashable {
    let path: String
    let recursive: Bool
}

/// What a sanitize run did.
public struct SanitizeOutcome: Sendable {
    public let applied: [SanitizeAction]
    public let failures: [SanitizeFailure]
}

public struct SanitizeFailure: Sendable, Hashable {
    public let path: String
    public let reason: String
}
