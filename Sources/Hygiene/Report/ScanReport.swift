/// The name, version and home of the scanner, as reports state them.
public enum HygieneTool {
    public static let name = "keyward"
    public static let version = "0.1.0"
    public static let informationURI = "https://github.com/keyward/keyward"
}

/// The result of scanning one image: findings, most severe first, and notes about what could not be examined.
public struct ScanReport: Sendable {
    /// What was scanned, as given (a directory or an archive path).
    public let target: String
    /// `directory`, `tar` or `tar.gz`.
    public let targetKind: String
    /// Sorted by severity (critical first), then path, line and rule.
    public let findings: [Finding]
    /// Without duplicates, in the order they arose.
    public let notes: [ScanNote]

    public init(target: String, targetKind: String, findings: [Finding], notes: [ScanNote]) {
        self.target = target
        self.targetKind = targetKind
        self.findings = findings.sorted(by: Self.order)
        var seen: Set<ScanNote> = []
        self.notes = notes.filter { seen.insert($0).inserted }
    }

    /// Counts per severity, in total, and per rule.
    public var summary: Summary { Summary(findings: findings, notes: notes.count) }

    /// True when a finding is at `threshold` or above (what `--fail-on` tests).
    public func hasFinding(atOrAbove threshold: Severity) -> Bool {
        findings.contains { $0.severity >= threshold }
    }

    /// The findings of one rule.
    public func findings(of rule: RuleID) -> [Finding] {
        findings.filter { $0.rule == rule }
    }

    public struct Summary: Sendable, Hashable {
        public let total: Int
        public let bySeverity: [Severity: Int]
        public let byRule: [RuleID: Int]
        public let notes: Int

        init(findings: [Finding], notes: Int) {
            total = findings.count
            var bySeverity: [Severity: Int] = [:]
            var byRule: [RuleID: Int] = [:]
            for finding in findings {
                bySeverity[finding.severity, default: 0] += 1
                byRule[finding.rule, default: 0] += 1
            }
            self.bySeverity = bySeverity
            self.byRule = byRule
            self.notes = notes
        }

        public func count(_ severity: Severity) -> Int { bySeverity[severity] ?? 0 }
    }

    private static func order(_ lhs: Finding, _ rhs: Finding) -> Bool {
        if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
        if lhs.path != rhs.path { return lhs.path.utf8.lexicographicallyPrecedes(rhs.path.utf8) }
        if lhs.line != rhs.line { return (lhs.line ?? 0) < (rhs.line ?? 0) }
        if lhs.rule != rhs.rule { return lhs.rule.rawValue < rhs.rule.rawValue }
        return lhs.message < rhs.message
    }
}
