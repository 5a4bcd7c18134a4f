/// How urgent a finding is, from `info` (context) to `critical` (a usable credential ships with the image).
public enum Severity: String, Sendable, Hashable, CaseIterable, Codable, Comparable, CustomStringConvertible {
    case info
    case low
    case medium
    case high
    case critical

    /// 0 for `info` up to 4 for `critical`.
    public var rank: Int {
        switch self {
        case .info: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// Parses `critical`, `high`, `medium`, `low` or `info`, in any letter case.
    public init?(parsing text: String) {
        self.init(rawValue: text.lowercased())
    }

    /// The SARIF result level: `error` for high and critical, `warning` for medium, `note` below.
    public var sarifLevel: String {
        switch self {
        case .critical, .high: "error"
        case .medium: "warning"
        case .low, .info: "note"
        }
    }

    /// The GitHub code scanning `security-severity` score (0.0–10.0) for this severity.
    public var securitySeverityScore: String {
        switch self {
        case .critical: "9.5"
        case .high: "8.0"
        case .medium: "5.5"
        case .low: "3.0"
        case .info: "0.0"
        }
    }

    public var description: String { rawValue }
}
