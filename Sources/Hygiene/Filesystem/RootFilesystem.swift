/// A root filesystem the scanner can read: a directory on the host, or an archive read as a stream.
///
/// Sources differ in what they can do later: a directory can be read again at any time, an archive stream only
/// once. So every source first makes one ``capture(policy:progress:)`` pass, which lists every entry and keeps
/// the contents the rules will ask for; reads afterwards go through ``readRegularFile(atResolvedPath:limit:)``.
/// Paths handed to a source are always resolved first (see ``ImageSnapshot/resolve(_:followFinalLink:)``),
/// so a source never follows a link itself and nothing outside the image is ever read.
public protocol RootFilesystem: Sendable {
    /// The directory or archive path, as given.
    var displayName: String { get }
    /// `directory`, `tar` or `tar.gz`.
    var kindName: String { get }

    /// One pass over the whole image. Problems (unreadable entries, broken archives) become notes; the pass
    /// never fails as a whole once the source has been opened.
    func capture(policy: RetentionPolicy, progress: (ScanProgress) -> Void) -> FilesystemCapture

    /// Up to `limit` bytes of the regular file at `path`, a path with no link in it.
    func readRegularFile(atResolvedPath path: String, limit: Int) -> Result<FileData, ReadFailure>
}

/// Everything one pass over an image produced.
public struct FilesystemCapture: Sendable {
    /// Every entry, each path once (a later archive member replaces an earlier one of the same name).
    public var entries: [FileEntry]
    public var notes: [ScanNote]
    /// Regular files that may hold a private key: by name, or because their first bytes carry key armour.
    public var keyCandidates: Set<String>
    /// Regular files whose first bytes are cloud-config or MIME multipart user data (``CloudConfigRules`` reads them).
    public var cloudConfigCandidates: Set<String>
    /// Contents kept during the pass, by path (streamed sources keep what the rules need).
    public var retained: [String: FileData]

    public init(
        entries: [FileEntry] = [],
        notes: [ScanNote] = [],
        keyCandidates: Set<String> = [],
        cloudConfigCandidates: Set<String> = [],
        retained: [String: FileData] = [:]
    ) {
        self.entries = entries
        self.notes = notes
        self.keyCandidates = keyCandidates
        self.cloudConfigCandidates = cloudConfigCandidates
        self.retained = retained
    }
}

/// How far a capture pass has come, for a progress line.
public struct ScanProgress: Sendable, Hashable {
    public let entries: Int
    public let bytes: Int64

    public init(entries: Int, bytes: Int64) {
        self.entries = entries
        self.bytes = bytes
    }
}
