/// A root filesystem inside a tar or tar.gz archive, read as a stream: nothing is extracted to disk.
/// Member names are taken relative to the image root (`./etc/passwd`, `etc/passwd` and `/etc/passwd` alike).
public struct TarRoot: RootFilesystem {
    public enum Compression: String, Sendable, Hashable {
        case none
        case gzip
    }

    /// The archive path, as given (or the name given to an archive held in memory).
    public let displayName: String
    /// The archive's bytes when it is held in memory rather than read from `displayName`.
    private let bytes: [UInt8]?
    public let compression: Compression
    /// Leading name components dropped from every member (like `tar --strip-components`).
    public let stripComponents: Int

    public var kindName: String { compression == .gzip ? "tar.gz" : "tar" }

    /// Opens `path` after checking that it holds a tar stream (plain or gzip-compressed).
    /// - Throws: ``ScanTargetError`` when it does not.
    public init(path: String, stripComponents: Int = 0) throws(ScanTargetError) {
        self.displayName = path
        self.bytes = nil
        self.compression = try ArchiveFormat.detect(path)
        self.stripComponents = max(0, stripComponents)
    }

    /// An archive held in memory (an upload, say), called `name` in notes; the same checks as a file's.
    /// - Throws: ``ScanTargetError`` when `bytes` is not a tar stream, plain or gzip-compressed.
    public init(bytes: [UInt8], name: String, stripComponents: Int = 0) throws(ScanTargetError) {
        self.displayName = name
        self.bytes = bytes
        self.compression = try ArchiveFormat.classify(head: Array(bytes.prefix(TarHeaderBlock.size)), name: name) { () throws(SourceError) in
            MemoryByteSource(bytes)
        }
        self.stripComponents = max(0, stripComponents)
    }

    public func capture(policy: RetentionPolicy, progress: (ScanProgress) -> Void) -> FilesystemCapture {
        var indexer = TarIndexer(policy: policy, stripComponents: stripComponents)
        do {
            let raw: any ByteSource = try bytes.map { MemoryByteSource($0) } ?? FileByteSource(path: displayName)
            return indexer.index(try ArchiveFormat.decompressed(raw, compression), progress: progress)
        } catch {
            return FilesystemCapture(notes: [ScanNote(path: displayName, message: "\(error)")])
        }
    }

    /// Archive contents can only be read during the capture pass; what it did not keep is not available.
    public func readRegularFile(atResolvedPath path: String, limit: Int) -> Result<FileData, ReadFailure> {
        .failure(.notRetained(path: path))
    }
}

/// Recognises what a target file holds from its first bytes.
enum ArchiveFormat {
    static func detect(_ path: String) throws(ScanTargetError) -> TarRoot.Compression {
        let head: [UInt8]
        switch SystemCalls.readRegularFile(path, limit: TarHeaderBlock.size, followFinalLink: true) {
        case .success(let data): head = data.bytes
        case .failure(let error): throw .unreadable(path: path, reason: error.description)
        }
        return try classify(head: head, name: path) { () throws(SourceError) in try FileByteSource(path: path) }
    }

    /// The compression of an archive from its first bytes `head`; `open` reads it from its start (for a look inside
    /// gzip), and `name` is for messages.
    static func classify(head: [UInt8], name path: String, _ open: () throws(SourceError) -> any ByteSource) throws(ScanTargetError)
        -> TarRoot.Compression
    {
        if head.starts(with: [0x1f, 0x8b]) {
            let block: [UInt8]
            do {
                var reader = StreamReader(source: try GzipByteSource(wrapping: try open()))
                block = try reader.read(TarHeaderBlock.size)
            } catch {
                throw .unsupported(path: path, reason: "gzip data that cannot be decompressed (\(error))")
            }
            guard TarHeaderBlock.hasValidChecksum(block) else {
                throw .unsupported(path: path, reason: "gzip-compressed, but not a tar archive")
            }
            return .gzip
        }
        if head.starts(with: Array("BZh".utf8)) { throw .unsupported(path: path, reason: "bzip2-compressed; decompress it first") }
        if head.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { throw .unsupported(path: path, reason: "xz-compressed; decompress it first") }
        if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { throw .unsupported(path: path, reason: "zstd-compressed; decompress it first") }
        guard TarHeaderBlock.hasValidChecksum(head) else {
            throw .unsupported(path: path, reason: "not a directory, a tar archive or a gzip-compressed tar archive")
        }
        return .none
    }

    static func decompressed(_ source: any ByteSource, _ compression: TarRoot.Compression) throws(SourceError) -> any ByteSource {
        switch compression {
        case .none: return source
        case .gzip: return try GzipByteSource(wrapping: source)
        }
    }
}
