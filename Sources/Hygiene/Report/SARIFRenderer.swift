import Foundation

/// The report as SARIF 2.1.0 for code-scanning tools: one run whose driver lists every rule (id, name,
/// shortDescription, fullDescription, help, defaultConfiguration.level, security-severity), results with ruleId,
/// ruleIndex, level, message and a location relative to the image root (uriBaseId `IMAGEROOT`) with the line
/// when known, and notes as tool execution notifications.
public enum SARIFRenderer {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    public static let uriBaseID = "IMAGEROOT"

    public static func render(_ report: ScanReport) -> String {
        let descriptors = RuleCatalog.all
        let ruleIndex = Dictionary(uniqueKeysWithValues: descriptors.enumerated().map { ($0.element.id, $0.offset) })
        let rules = descriptors.map { descriptor in
            Rule(
                id: descriptor.id.rawValue,
                name: descriptor.title,
                shortDescription: Text(text: descriptor.title),
                fullDescription: Text(text: descriptor.check),
                help: Text(text: descriptor.remediation),
                defaultConfiguration: Configuration(level: descriptor.defaultSeverity.sarifLevel),
                properties: RuleProperties(tags: ["security", "credentials"], securitySeverity: descriptor.defaultSeverity.securitySeverityScore)
            )
        }
        let results = report.findings.map { finding in
            Result(
                ruleId: finding.ruleID,
                ruleIndex: ruleIndex[finding.rule] ?? 0,
                level: finding.severity.sarifLevel,
                message: Text(text: finding.message + " Fix: " + finding.remediation),
                locations: [location(finding.path, line: finding.line)],
                properties: ResultProperties(severity: finding.severity.rawValue)
            )
        }
        let notifications = report.notes.map { note in
            Notification(level: "warning", message: Text(text: note.path.map { "\($0): \(note.message)" } ?? note.message),
                         locations: note.path.map { [location($0, line: nil)] })
        }
        let log = Log(runs: [
            Run(
                tool: Tool(driver: Driver(name: HygieneTool.name, version: HygieneTool.version, informationUri: HygieneTool.informationURI, rules: rules)),
                results: results,
                invocations: [Invocation(executionSuccessful: true, toolExecutionNotifications: notifications)],
                properties: RunProperties(target: report.target, targetKind: report.targetKind)
            ),
        ])
        return JSONReportRenderer.encode(log)
    }

    /// An image path as a URI relative to the image root.
    static func location(_ path: String, line: Int?) -> Location {
        let relative = String(path.drop { $0 == "/" })
        let uri = relative.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? relative
        return Location(physicalLocation: PhysicalLocation(
            artifactLocation: ArtifactLocation(uri: uri.isEmpty ? "." : uri, uriBaseId: uriBaseID),
            region: line.map { Region(startLine: $0) }
        ))
    }

    struct Log: Encodable {
        let schema = SARIFRenderer.schemaURI
        let version = "2.1.0"
        let runs: [Run]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }

    struct Run: Encodable {
        let tool: Tool
        let results: [Result]
        let invocations: [Invocation]
        let properties: RunProperties
    }

    struct RunProperties: Encodable {
        let target: String
        let targetKind: String
    }

    struct Tool: Encodable {
        let driver: Driver
    }

    struct Driver: Encodable {
        let name: String
        let version: String
        let informationUri: String
        let rules: [Rule]
    }

    struct Rule: Encodable {
        let id: String
        let name: String
        let shortDescription: Text
        let fullDescription: Text
        let help: Text
        let defaultConfiguration: Configuration
        let properties: RuleProperties
    }

    struct RuleProperties: Encodable {
        let tags: [String]
        let securitySeverity: String

        enum CodingKeys: String, CodingKey {
            case tags
            case securitySeverity = "security-severity"
        }
    }

    struct Text: Encodable {
        let text: String
    }

    struct Configuration: Encodable {
        let level: String
    }

    struct Result: Encodable {
        let ruleId: String
        let ruleIndex: Int
        let level: String
        let message: Text
        let locations: [Location]
        let properties: ResultProperties
    }

    struct ResultProperties: Encodable {
        let severity: String
    }

    struct Location: Encodable {
        let physicalLocation: PhysicalLocation
    }

    struct PhysicalLocation: Encodable {
        let artifactLocation: ArtifactLocation
        let region: Region?
    }

    struct ArtifactLocation: Encodable {
        let uri: String
        let uriBaseId: String
    }

    struct Region: Encodable {
        let startLine: Int
    }

    struct Invocation: Encodable {
        let executionSuccessful: Bool
        let toolExecutionNotifications: [Notification]
    }

    struct Notification: Encodable {
        let level: String
        let message: Text
        let locations: [Location]?
    }
}
