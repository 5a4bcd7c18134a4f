/// KW-HIST-001/002: history files of shells and tools anywhere in the image, and secrets recorded in them.
public struct HistoryRules: ImageRule {
    public init() {}

    /// Regular history files of the image (links, e.g. to /dev/null, are deliberate and left alone).
    public static func historyFiles(in snapshot: ImageSnapshot) -> [(entry: FileEntry, tool: String)] {
        snapshot.entries.compactMap { entry in
            guard entry.isRegular, let tool = HistoryCatalog.tool(forPath: entry.path) else { return nil }
            return (entry: entry, tool: tool)
        }
    }

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        for (entry, tool) in Self.historyFiles(in: context.snapshot) where entry.size > 0 {
            guard let lines = context.snapshot.lines(at: entry.path, output: &output, noteBinary: false) else {
                output.add(Finding(.historyFile, path: entry.path, message: "\(tool) history (\(entry.size) bytes)"))
                continue
            }
            output.add(Finding(.historyFile, path: entry.path, message: "\(tool) history with \(lines.count) line(s)"))
            for match in SecretScanner.scan(lines) {
                output.add(Finding(.secretInHistory, path: entry.path, line: match.line, message: "\(tool) history records a \(match.kind)"))
            }
        }
        return output
    }
}

/// KW-TMP-001/002: leftovers in /tmp and /var/tmp, and secrets in them.
public struct TemporaryFileRules: ImageRule {
    public static let directories = ["/tmp", "/var/tmp"]

    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let snapshot = context.snapshot
        for directory in Self.directories {
            // Only a real directory is examined; /tmp as a link is examined where it leads to (if not already).
            guard let entry = snapshot.entry(at: directory), entry.isDirectory else { continue }
            let children = snapshot.children(of: directory)
            guard !children.isEmpty else { continue }
            let names = children.map { ImagePath.name(of: $0.path) }.sorted(by: ImagePath.precedes)
            let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
            output.add(Finding(.temporaryFiles, path: directory, message: "\(names.count) entr\(names.count == 1 ? "y" : "ies") left: \(shown)"))
            for file in snapshot.entries(under: directory) where file.isRegular && file.size > 0 {
                guard let lines = snapshot.lines(at: file.path, output: &output) else { continue }
                for match in SecretScanner.scan(lines) {
                    output.add(Finding(.secretInTemporaryFile, path: file.path, line: match.line, message: "temporary file holds a \(match.kind)"))
                }
            }
        }
        return output
    }
}
