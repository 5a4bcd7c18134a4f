/// Whether Keyward's drop-in is where sshd reads the password settings first.
///
/// sshd reads `sshd_config` top to bottom, reading each `Include`d file (globs expanded and sorted) in place
/// of the `Include` line, and keeps the first value of each keyword. Lines inside `Match` blocks apply only to
/// some connections and are not global settings, so they are not counted.
enum SSHDConfigOrder: Equatable {
    /// The drop-in is read before any other password setting.
    case dropInFirst
    /// A password setting is read before the drop-in (or the drop-in is not read at all, `file` nil).
    case overridden(file: String?, keyword: String?)

    /// Include files nested deeper than sshd itself allows are not followed.
    static let maximumDepth = 16

    /// Evaluates the guest's `sshd_config` text `main` (which lives at `/etc/ssh/sshd_config`) against the drop-in.
    static func evaluate(main: TextLines, dropIn: GuestFile, root: GuestRoot) throws(ApplyError) -> SSHDConfigOrder {
        let walker = Walker(root: root, dropInHostPath: dropIn.hostPath)
        return try walker.walk(main, file: SSHDManagedConfig.mainConfig, depth: 0) ?? .overridden(file: nil, keyword: nil)
    }

    private struct Walker {
        let root: GuestRoot
        let dropInHostPath: String

        /// The decision, once a password setting or the drop-in is reached; nil if this file holds neither.
        func walk(_ text: TextLines, file: String, depth: Int) throws(ApplyError) -> SSHDConfigOrder? {
            var inMatch = false
            for line in text.lines {
                let parsed = SSHDConfigLine(line)
                guard let keyword = parsed.keyword, !keyword.isEmpty else { continue }
                if keyword == "match" {
                    inMatch = true
                    continue
                }
                if inMatch { continue }
                if SSHDManagedConfig.passwordKeywords.contains(keyword) {
                    return .overridden(file: file, keyword: keyword)
                }
                guard keyword == "include", depth < SSHDConfigOrder.maximumDepth else { continue }
                for argument in parsed.arguments {
                    let pattern = argument.hasPrefix("/") ? argument : "/etc/ssh/" + argument
                    for path in try expand(pattern) {
                        let included = try root.locate(path, followFinal: true)
                        if included.hostPath == dropInHostPath { return .dropInFirst }
                        guard case .file(let contents, _) = try FileOps.state(of: included) else { continue }
                        if let decision = try walk(TextLines(contents), file: path, depth: depth + 1) { return decision }
                    }
                }
            }
            return nil
        }

        /// The guest paths a glob pattern names, sorted bytewise as glob(3) in the C locale sorts them. A pattern
        /// without wildcards names its path only if something is there.
        private func expand(_ pattern: String) throws(ApplyError) -> [String] {
            var partials: [[String]] = [[]]
            for component in GuestRoot.components(pattern) {
                guard GlobPattern.hasWildcards(component) else {
                    partials = partials.map { $0 + [component] }
                    continue
                }
                var next: [[String]] = []
                for partial in partials {
                    var directory = root.hostPath
                    if !partial.isEmpty {
                        directory = try root.locate("/" + partial.joined(separator: "/"), followFinal: true).hostPath
                    }
                    for name in FileOps.list(directory) where GlobPattern.matches(component, name) {
                        next.append(partial + [name])
                    }
                }
                partials = next
            }
            var paths: [String] = []
            for partial in partials where !partial.isEmpty {
                let path = "/" + partial.joined(separator: "/")
                if case .absent = try FileOps.state(of: root.locate(path, followFinal: true)) { continue }
                paths.append(path)
            }
            return paths.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
    }
}
