/// Reading a guest's files from the host as the guest would see them: links are resolved inside the guest root,
/// never on the host, and only regular files are read. For every host-side reader of guest files (image capture,
/// audit, login diagnosis), so that a guest's symbolic link cannot make the host read its own files.
public enum GuestFiles {
    /// The contents of the regular file at `path` inside `guestRoot`, or nil when it is absent, not a regular
    /// file, or cannot be reached inside the guest.
    public static func read(guestRoot: String, path: String) -> [UInt8]? {
        guard let root = try? GuestRoot(guestRoot), let file = try? root.locate(path, followFinal: true),
              case .file(let contents, _)? = try? FileOps.state(of: file)
        else { return nil }
        return contents
    }

    /// The file as UTF-8 text (invalid bytes replaced), or nil as for ``read(guestRoot:path:)``.
    public static func text(guestRoot: String, path: String) -> String? {
        read(guestRoot: guestRoot, path: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
