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
