/// A root filesystem inside a tar or tar.gz archive, read as a stream: nothing is extracted to disk.
/// Member names are taken relative to the image root (`./etc/passwd`, `etc/passwd` and `/etc/passwd` alike).
public struct TarRoot: RootFilesystem {
    public enum Compression: String, Sendable, Hashable {
        case none
        case gzip
    }

    /// The archive path, as given.
    public let displayName: String
    public let compression: Compression
    /// Leading name components dropped from every member (like `tar --strip-components`).
    public let stripComponents: Int

    public var kindName: String { compression == .gzip ? "tar.gz" : "tar" }

    /// Opens `path` after checking that it holds a tar stream (plain or gzip-compressed).
    /// - Throws: ``ScanTargetError`` when it does not.
    public init(path: String, stripComponents: Int = 0) throws(ScanTargetError) {
        self.displayName = path
        self.compression = try ArchiveFormat.detect(path)
        self.stripComponents = max(0, stripComponents)
    }

    public func capture(policy: RetentionPolicy, progress: (ScanProgress) -> Void) -> FilesystemCapture {
        var indexer = TarIndexer(policy: policy, stripComponents: stripComponents)
        do {
            let source = try ArchiveFormat.source(for: displayName, compression: compression)
            return indexer.index(source, progress: progress)
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
        if head.starts(with: [0x1f, 0x8b]) {
            let block: [UInt8]
            do {
                let gzip = try source(for: path, compression: .gzip)
                var reader = StreamReader(source: gzip)
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

    static func source(for path: String, compression: TarRoot.Compression) throws(SourceError) -> any ByteSource {
        let file = try FileByteSource(path: path)
        switch compression {
        case .none: return file
        case .gzip: return try GzipByteSource(wrapping: file)
        }
    }
}
