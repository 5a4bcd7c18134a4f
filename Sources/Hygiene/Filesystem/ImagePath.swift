/// Paths inside an image: absolute, `/`-separated, without `.`, `..` or repeated slashes (`/etc/passwd`).
/// The image root is `/`, whatever directory or archive holds the image.
public enum ImagePath {
    public static let root = "/"

    /// The non-empty components of `path`: `/etc//ssh/` → `["etc", "ssh"]`.
    public static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// `["etc", "ssh"]` → `/etc/ssh`; no components → `/`.
    public static func join(_ components: [String]) -> String {
        "/" + components.joined(separator: "/")
    }

    /// `directory` + `/` + `name`, without doubling the root's slash.
    public static func appending(_ name: String, to directory: String) -> String {
        directory == "/" ? "/" + name : directory + "/" + name
    }

    /// The directory holding `path`; `/` for `/` itself.
    public static func parent(of path: String) -> String {
        var parts = components(path)
        guard !parts.isEmpty else { return "/" }
        parts.removeLast()
        return join(parts)
    }

    /// The last component, or `/` for the root.
    public static func name(of path: String) -> String {
        components(path).last ?? "/"
    }

    /// `path` with `.` and `..` applied lexically; nil when `..` would climb above the root.
    public static func normalized(_ path: String) -> String? {
        var result: [String] = []
        for part in components(path) {
            switch part {
            case ".":
                continue
            case "..":
                guard !result.isEmpty else { return nil }
                result.removeLast()
            default:
                result.append(part)
            }
        }
        return join(result)
    }

    /// True when `path` is `directory` or lies below it (lexically; links are not followed).
    public static func isInside(_ path: String, _ directory: String) -> Bool {
        directory == "/" || path == directory || path.hasPrefix(directory + "/")
    }

    /// The image path of an archive member name (`./etc/passwd`, `etc/passwd`, `/etc/passwd`), after dropping
    /// `stripComponents` leading components; nil when `..` climbs out of the root, `/` when nothing is left.
    static func archiveMemberPath(_ name: String, stripComponents: Int) -> String? {
        var parts = components(name).filter { $0 != "." }
        if stripComponents > 0 {
            guard parts.count > stripComponents else { return "/" }
            parts.removeFirst(stripComponents)
        }
        return normalized(join(parts))
    }

    /// Byte-wise ordering, as glob(3) sorts and as reports list paths.
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
