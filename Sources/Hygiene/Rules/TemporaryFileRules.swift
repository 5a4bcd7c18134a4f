/// KW-TMP-001/002: leftovers in /tmp and /var/tmp, each named by its path, and secrets in them.
public struct TemporaryFileRules: ImageRule {
    public static let directories = ["/tmp", "/var/tmp"]
    /// Leftovers named one by one in each directory; the rest are counted in one more finding on the directory.
    public static let namedLeftoverLimit = 50

    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let snapshot = context.snapshot
        // cloud-config and user-data files are examined (secrets included) by CloudConfigRules.
        let cloudFiles = Set(CloudConfigRules.documents(in: snapshot).map(\.path))
        for directory in Self.directories {
            // Only a real directory is examined; /tmp as a link is examined where it leads to (if not already).
            guard let entry = snapshot.entry(at: directory), entry.isDirectory else { continue }
            leftovers(in: directory, snapshot: snapshot, into: &output)
            for file in snapshot.entries(under: directory) where file.isRegular && file.size > 0 && !cloudFiles.contains(file.path) {
                guard let lines = snapshot.lines(at: file.path, output: &output) else { continue }
                for match in SecretScanner.scan(lines) {
                    output.add(Finding(.secretInTemporaryFile, path: file.path, line: match.line, message: "temporary file holds a \(match.kind)"))
                }
            }
        }
        return output
    }

    /// One finding per file, link, device and empty directory below `directory` (a directory with contents is named
    /// by its contents), sorted by path, up to ``namedLeftoverLimit``; then one for the rest.
    private func leftovers(in directory: String, snapshot: ImageSnapshot, into output: inout RuleOutput) {
        let leftovers = snapshot.entries(under: directory)
            .filter { !$0.isDirectory || snapshot.children(of: $0.path).isEmpty }
            .sorted { ImagePath.precedes($0.path, $1.path) }
        for entry in leftovers.prefix(Self.namedLeftoverLimit) {
            let size = entry.isRegular ? ", \(entry.size) byte\(entry.size == 1 ? "" : "s")" : ""
            let kind = entry.isDirectory ? "empty directory" : entry.kindDescription
            output.add(Finding(.temporaryFiles, path: entry.path, message: "\(kind) left in \(directory)\(size)"))
        }
        let rest = leftovers.count - Self.namedLeftoverLimit
        if rest > 0 {
            output.add(Finding(.temporaryFiles, path: directory,
                               message: "and \(rest) more entr\(rest == 1 ? "y" : "ies") left in \(directory) (\(leftovers.count) in all)"))
        }
    }
}
