import ArgumentParser
import Foundation
import Hygiene

/// `keyward image scan|sanitize`: credentials and login settings left in Linux images.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Find and remove logon credentials baked into Linux images.",
        subcommands: [ImageScanCommand.self, ImageSanitizeCommand.self]
    )
}

/// Exit statuses of the image commands.
enum ImageExit {
    /// A finding at or above --fail-on, or a sanitize change that failed.
    static let findings = ExitCode(1)
    /// Bad usage or an unreadable target.
    static let usage = ExitCode(2)

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("keyward: \(message)\n".utf8))
        return usage
    }
}

struct ImageScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Report passwords, keys, histories and sshd settings left in an image.",
        discussion: """
            PATH is a root filesystem directory, or a tar / tar.gz archive of one (read as a stream; nothing is \
            extracted). Exit status: 0 when no finding reaches --fail-on (or it is not given), 1 when one does, \
            2 for bad usage or a target that cannot be read.
            """
    )

    @Argument(help: "A root filesystem directory, or a tar / tar.gz archive of one.")
    var path: String

    @Option(help: "Output format: text, json or sarif.")
    var format: String = "text"

    @Option(name: .customLong("fail-on"), help: "Exit with status 1 when a finding is at or above this severity: critical, high, medium, low or info.")
    var failOn: String?

    @Option(help: "Drop this many leading components from archive member names (like tar --strip-components).")
    var stripComponents: Int = 0

    @Option(help: "Colour in text output: auto (on a terminal), always or never.")
    var color: String = "auto"

    @Flag(help: "Do not show a progress line on standard error.")
    var quiet = false

    func run() throws {
        let format = self.format.lowercased()
        guard ["text", "json", "sarif"].contains(format) else { throw ImageExit.fail("--format must be text, json or sarif") }
        var threshold: Severity?
        if let failOn {
            guard let severity = Severity(parsing: failOn) else {
                throw ImageExit.fail("--fail-on must be critical, high, medium, low or info")
            }
            threshold = severity
        }
        guard ["auto", "always", "never"].contains(color) else { throw ImageExit.fail("--color must be auto, always or never") }
        guard stripComponents >= 0 else { throw ImageExit.fail("--strip-components must not be negative") }

        var progress = ProgressLine(enabled: !quiet && Console.isTerminal(2))
        let report: ScanReport
        do {
            report = try ImageScanner().scan(path: path, stripComponents: stripComponents) { progress.show($0) }
        } catch let error as ScanTargetError {
            progress.clear()
            throw ImageExit.fail(error.description)
        } catch {
            progress.clear()
            throw ImageExit.fail("\(error)")
        }
        progress.clear()

        let output: String
        switch format {
        case "json":
            output = JSONReportRenderer.render(report) + "\n"
        case "sarif":
            output = SARIFRenderer.render(report) + "\n"
        default:
            let useColor = color == "always" || (color == "auto" && Console.isTerminal(1) && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
            output = TextReportRenderer(color: useColor).render(report)
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if let threshold, report.hasFinding(atOrAbove: threshold) { throw ImageExit.findings }
    }
}

/// A self-overwriting progress line on standard error, for scans of large images.
struct ProgressLine {
    let enabled: Bool
    private var lastShown = 0
    private var visible = false

    init(enabled: Bool) {
        self.enabled = enabled
    }

    mutating func show(_ progress: ScanProgress) {
        guard enabled, progress.entries - lastShown >= 1000 else { return }
        lastShown = progress.entries
        visible = true
        let tenths = progress.bytes * 10 / 1_048_576
        let text = "\rscanning: \(progress.entries) entries, \(tenths / 10).\(tenths % 10) MiB"
        FileHandle.standardError.write(Data(text.utf8))
    }

    mutating func clear() {
        guard visible else { return }
        visible = false
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

struct ImageSanitizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanitize",
        abstract: "Remove credentials from an image unpacked in a directory, reporting every change.",
        discussion: """
            Operations (default ones marked *): \
            \(SanitizeOperation.allCases.map { "\($0.rawValue)\($0.isDefault ? "*" : "")" }.joined(separator: ", ")). \
            --operations takes a comma-separated list: names add, -name removes, 'defaults' adds the default set; \
            a list of removals only starts from the defaults. Exit status: 0 when every change was made, 1 when \
            some failed, 2 for bad usage or a target that is not a directory.
            """
    )

    @Argument(help: "The image's root directory.")
    var path: String?

    @Flag(help: "Print exactly what would change, and change nothing.")
    var dryRun = false

    @Option(help: "Operations to run, e.g. 'defaults,user-accounts,-tmp-files'.")
    var operations: String?

    @Option(name: .customLong("keep-user"), help: "An account the user-accounts operation must keep (repeatable).")
    var keepUsers: [String] = []

    @Flag(help: "List the operations and exit.")
    var listOperations = false

    func run() throws {
        if listOperations {
            let lines = SanitizeOperation.allCases.map { "\($0.rawValue)\($0.isDefault ? " (default)" : ""): \($0.summary)" }
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            return
        }
        guard let path else { throw ImageExit.fail("give the image's root directory") }
        let selection: Set<SanitizeOperation>
        let sanitizer: Sanitizer
        do {
            selection = try SanitizeOperation.selection(from: operations)
            sanitizer = try Sanitizer(directory: path)
        } catch let error as SanitizeError {
            throw ImageExit.fail(error.description)
        } catch {
            throw ImageExit.fail("\(error)")
        }
        let plan = sanitizer.plan(SanitizeOptions(operations: selection, keepUsers: Set(keepUsers)))
        if dryRun {
            FileHandle.standardOutput.write(Data(SanitizeRenderer.render(plan, target: path, outcome: nil).utf8))
            return
        }
        let outcome = sanitizer.apply(plan)
        FileHandle.standardOutput.write(Data(SanitizeRenderer.render(plan, target: path, outcome: outcome).utf8))
        if !outcome.failures.isEmpty { throw ImageExit.findings }
    }
}
