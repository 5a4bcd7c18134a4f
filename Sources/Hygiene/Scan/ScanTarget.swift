/// Why a scan or sanitize target cannot be used at all (the command exits with status 2).
public enum ScanTargetError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(path: String)
    case unreadable(path: String, reason: String)
    case unsupported(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path): "\(path): no such file or directory"
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .unsupported(let path, let reason): "\(path): \(reason)"
        }
    }
}

/// Opens what a user names on the command line: a directory, or a tar / tar.gz archive.
public enum ScanTarget {
    /// - Parameter stripComponents: for archives, leading member-name components to drop.
    public static func open(_ path: String, stripComponents: Int = 0) throws(ScanTargetError) -> any RootFilesystem {
        guard let status = SystemCalls.followingStatus(path) else { throw .notFound(path: path) }
        switch status.type {
        case .directory:
            return try DirectoryRoot(path: path)
        case .regular:
            return try TarRoot(path: path, stripComponents: stripComponents)
        default:
            throw .unsupported(path: path, reason: "not a directory or an archive file")
        }
    }
}
