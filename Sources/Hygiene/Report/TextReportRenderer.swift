/// The report for people: a summary line, findings grouped by severity (most severe first) with their fix,
/// then notes. ANSI colours only when asked for (the command asks when standard output is a terminal).
public struct TextReportRenderer: Sendable {
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    public func render(_ report: ScanReport) -> String {
        let summary = report.summary
        var lines: [String] = []
        lines.append(bold("keyward image scan: \(report.target) (\(report.targetKind))"))
        let counts = Severity.allCases.reversed().map { "\(summary.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        lines.append("\(summary.total) finding\(summary.total == 1 ? "" : "s"): \(counts); \(summary.notes) note\(summary.notes == 1 ? "" : "s")")
        for severity in Severity.allCases.reversed() {
            let group = report.findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            lines.append("")
            lines.append(paint(severity.rawValue.uppercased() + " (\(group.count))", severity))
            for finding in group {
                lines.append("  \(paint(finding.ruleID, severity))  \(finding.location)")
                lines.append("      \(finding.message)")
                lines.append("      fix: \(finding.remediation)")
            }
        }
        if !report.notes.isEmpty {
            lines.append("")
            lines.append(bold("NOTES (\(report.notes.count)) — parts of the image not fully examined"))
            for note in report.notes {
                lines.append("  - " + (note.path.map { "\($0): " } ?? "") + note.message)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func paint(_ text: String, _ severity: Severity) -> String {
        guard color else { return text }
        let code: String
        switch severity {
        case .critical: code = "1;31"
        case .high: code = "31"
        case .medium: code = "33"
        case .low: code = "36"
        case .info: code = "2"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    private func bold(_ text: String) -> String {
        color ? "\u{1B}[1m\(text)\u{1B}[0m" : text
    }
}

/// Terminal detection for the command line (colour and progress only on a terminal).
public enum Console {
    /// True when the descriptor (1 = standard output, 2 = standard error) is a terminal.
    public static func isTerminal(_ descriptor: Int32) -> Bool {
        SystemCalls.isTerminal(descriptor)
    }
}
