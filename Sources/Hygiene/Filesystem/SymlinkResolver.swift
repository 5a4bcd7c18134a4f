/// Resolves paths the way the kernel would inside a chroot of the image, but refusing what a chroot would
/// silently clamp: a link climbing above the root is an error, not the root. At most 40 links are followed.
enum SymlinkResolver {
    static let maximumLinks = 40

    /// - Parameters:
    ///   - followFinalLink: false to resolve the directories on the way but keep a final link as itself.
    ///   - lookup: the entry at a path whose every directory is real (no link in it), as `lstat` would see it.
    static func resolve(
        _ path: String,
        followFinalLink: Bool = true,
        lookup: (String) -> FileEntry?
    ) -> Result<ResolvedPath, ReadFailure> {
        // Components still to walk, last first; each remembers the link whose target it came from.
        var pending = ImagePath.components(path).reversed().map { PendingComponent(name: $0, origin: nil) }
        var resolved: [String] = []
        var links = 0
        while let next = pending.popLast() {
            let name = next.name
            let origin = next.origin
            if name == "." { continue }
            if name == ".." {
                guard !resolved.isEmpty else {
                    return .failure(.escapesRoot(link: origin?.link ?? path, target: origin?.target ?? path))
                }
                resolved.removeLast()
                continue
            }
            let candidate = ImagePath.join(resolved + [name])
            guard let entry = lookup(candidate) else {
                if let origin { return .failure(.danglingLink(link: origin.link, target: origin.target)) }
                return .failure(.missing(path: candidate))
            }
            switch entry.kind {
            case .symlink(let target):
                if pending.isEmpty && !followFinalLink {
                    resolved.append(name)
                    continue
                }
                links += 1
                guard links <= maximumLinks else { return .failure(.linkLoop(path: path)) }
                guard !target.isEmpty else { return .failure(.danglingLink(link: candidate, target: target)) }
                if target.hasPrefix("/") { resolved.removeAll() }
                let source = LinkOrigin(link: candidate, target: target)
                pending.append(contentsOf: ImagePath.components(target).reversed().map { PendingComponent(name: $0, origin: source) })
            case .directory:
                resolved.append(name)
            case .regular, .other:
                guard pending.isEmpty else { return .failure(.notDirectory(path: candidate)) }
                resolved.append(name)
            }
        }
        let finalPath = ImagePath.join(resolved)
        if resolved.isEmpty { return .success(ResolvedPath(path: "/", entry: .root)) }
        guard let entry = lookup(finalPath) else { return .failure(.missing(path: finalPath)) }
        return .success(ResolvedPath(path: finalPath, entry: entry))
    }

    private struct LinkOrigin {
        let link: String
        let target: String
    }

    private struct PendingComponent {
        let name: String
        let origin: LinkOrigin?
    }
}
