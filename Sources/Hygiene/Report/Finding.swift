/// One problem found in an image. A finding names what was found and where, never the secret itself:
/// a password hash is shown by its algorithm, a key by its type and fingerprint, a secret by the rule that matched.
public struct Finding: Sendable, Hashable {
    public let rule: RuleID
    public let severity: Severity
    /// The path inside the image, e.g. `/etc/shadow`.
    public let path: String
    /// 1-based line number in `path`, when the finding is about one line.
    public let line: Int?
    public let message: String
    /// How to fix it; the rule's catalogue text unless the finding has a more specific one.
    public let remediation: String

    /// - Parameters:
    ///   - severity: the rule's default severity when nil.
    ///   - remediation: the rule's catalogue remediation when nil.
    public init(_ rule: RuleID, severity: Severity? = nil, path: String, line: Int? = nil, message: String, remediation: String? = nil) {
        self.rule = rule
        self.severity = severity ?? rule.descriptor.defaultSeverity
        self.path = path
        self.line = line
        self.message = message
        self.remediation = remediation ?? rule.descriptor.remediation
    }

    /// The stable rule identifier, e.g. `KW-ACCT-001`.
    public var ruleID: String { rule.rawValue }

    /// `path:line`, or the path alone.
    public var location: String { line.map { "\(path):\($0)" } ?? path }
}

/// Something the scan could not look at, or looked at only partly: an unreadable file, a link leading out of
/// the image, a truncated archive. Notes are not findings; they say where the report may be incomplete.
public struct ScanNote: Sendable, Hashable, Codable {
    public let path: String?
    public let message: String

    public init(path: String?, message: String) {
        self.path = path
        self.message = message
    }
}

/// What one rule reports: findings, and notes about what it could not examine.
public struct RuleOutput: Sendable {
    public var findings: [Finding] = []
    public var notes: [ScanNote] = []

    public init(findings: [Finding] = [], notes: [ScanNote] = []) {
        self.findings = findings
        self.notes = notes
    }

    public mutating func add(_ finding: Finding) { findings.append(finding) }

    public mutating func note(_ path: String?, _ message: String) {
        notes.append(ScanNote(path: path, message: message))
    }

    public mutating func merge(_ other: RuleOutput) {
        findings.append(contentsOf: other.findings)
        notes.append(contentsOf: other.notes)
    }
}
