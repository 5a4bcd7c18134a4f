import Foundation

/// The report as JSON, schema version 1:
///
/// ```
/// { "schemaVersion": 1, "tool": "keyward", "version": "…", "target": "…", "targetKind": "directory|tar|tar.gz",
///   "findings": [ { "ruleId", "title", "severity", "path", "line" (number or null), "message", "remediation" } ],
///   "notes": [ { "path" (string or null), "message" } ],
///   "summary": { "total", "critical", "high", "medium", "low", "info", "notes", "byRule": { "<ruleId>": n } } }
/// ```
/// Keys are sorted; findings keep the report's order (most severe first).
public enum JSONReportRenderer {
    public static let schemaVersion = 1

    public static func render(_ report: ScanReport) -> String {
        let summary = report.summary
        let document = Document(
            schemaVersion: schemaVersion,
            tool: HygieneTool.name,
            version: HygieneTool.version,
            target: report.target,
            targetKind: report.targetKind,
            findings: report.findings.map(FindingRecord.init),
            notes: report.notes.map { NoteRecord(path: $0.path, message: $0.message) },
            summary: SummaryRecord(
                total: summary.total,
                critical: summary.count(.critical),
                high: summary.count(.high),
                medium: summary.count(.medium),
                low: summary.count(.low),
                info: summary.count(.info),
                notes: summary.notes,
                byRule: Dictionary(uniqueKeysWithValues: summary.byRule.map { ($0.key.rawValue, $0.value) })
            )
        )
        return encode(document)
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    private struct Document: Encodable {
        let schemaVersion: Int
        let tool: String
        let version: String
        let target: String
        let targetKind: String
        let findings: [FindingRecord]
        let notes: [NoteRecord]
        let summary: SummaryRecord
    }

    private struct FindingRecord: Encodable {
        let ruleId: String
        let title: String
        let severity: String
        let path: String
        let line: Int?
        let message: String
        let remediation: String

        init(_ finding: Finding) {
            ruleId = finding.ruleID
            title = finding.rule.descriptor.title
            severity = finding.severity.rawValue
            path = finding.path
            line = finding.line
            message = finding.message
            remediation = finding.remediation
        }

        enum CodingKeys: String, CodingKey {
            case ruleId, title, severity, path, line, message, remediation
        }

        // Written by hand so that a finding without a line has "line": null (a stable schema).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ruleId, forKey: .ruleId)
            try container.encode(title, forKey: .title)
            try container.encode(severity, forKey: .severity)
            try container.encode(path, forKey: .path)
            try container.encode(line, forKey: .line)
            try container.encode(message, forKey: .message)
            try container.encode(remediation, forKey: .remediation)
        }
    }

    private struct NoteRecord: Encodable {
        let path: String?
        let message: String

        enum CodingKeys: String, CodingKey {
            case path, message
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(message, forKey: .message)
        }
    }

    private struct SummaryRecord: Encodable {
        let total: Int
        let critical: Int
        let high: Int
        let medium: Int
        let low: Int
        let info: Int
        let notes: Int
        let byRule: [String: Int]
    }
}
