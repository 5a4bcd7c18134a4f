/// Why credentials could not be applied to (or first-boot sanitized in) a guest root.
///
/// Every case names the guest path or tool involved; none carries a secret.
public enum ApplyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The guest root is not an existing directory given by an absolute path.
    case invalidGuestRoot(path: String, reason: String)
    /// A field of the desired state cannot be written safely (a key line with a line break, a hash with `:`…).
    case invalidDesiredState(field: String, reason: String)
    /// The login user is not in the guest's `/etc/passwd`.
    case unknownUser(String)
    /// A guest path is not what it must be (a symbolic link where a directory is needed, a directory where a file is).
    case unsafePath(path: String, reason: String)
    /// A file operation failed.
    case io(path: String, reason: String)
    /// A tool the operation needs is not installed.
    case toolMissing(tool: String, hint: String)
    /// A tool ran and failed.
    case toolFailed(tool: String, output: String)
    /// `sshd -t` refused the configuration the guest would load; `output` is what sshd printed.
    case sshdConfigInvalid(output: String)
    /// An apply failed and some of the files it had changed could not be put back.
    case rollbackFailed(cause: String, paths: [String])

    public var description: String {
        switch self {
        case .invalidGuestRoot(let path, let reason): "guest root \(path) is not usable: \(reason)"
        case .invalidDesiredState(let field, let reason): "invalid \(field): \(reason)"
        case .unknownUser(let name): "user \(name) is not in the guest's /etc/passwd"
        case .unsafePath(let path, let reason): "refusing to touch \(path): \(reason)"
        case .io(let path, let reason): "\(path): \(reason)"
        case .toolMissing(let tool, let hint): "\(tool) was not found; \(hint)"
        case .toolFailed(let tool, let output): "\(tool) failed: \(output)"
        case .sshdConfigInvalid(let output): "sshd refused the configuration: \(output)"
        case .rollbackFailed(let cause, let paths):
            "\(cause); restoring the previous state then failed for \(paths.joined(separator: ", "))"
        }
    }
}
