/// The text of one configuration file for ``SSHDConfigEvaluator``.
public enum SSHDConfigFile: Sendable, Hashable {
    case lines([String])
    case missing
    case unreadable(String)
}

/// Evaluates sshd_config the way sshd reads it: line by line from the main file; `Include` (relative paths are
/// relative to /etc/ssh, glob patterns expanded and sorted) reads each file in place, up to 16 levels deep; for
/// every keyword the first value obtained wins; a `Match` line starts a block lasting to the next `Match` or the
/// end of that file, whose directives (and those of files it includes) are recorded per block, not globally.
///
/// File access is supplied by the caller, so the same evaluator serves an image, a mounted disk or a live host.
public struct SSHDConfigEvaluator: Sendable {
    public static let defaultMainPath = "/etc/ssh/sshd_config"
    public static let configDirectory = "/etc/ssh"
    public static let maximumIncludeDepth = 16

    public init() {}

    /// - Parameters:
    ///   - read: the lines of a file.
    ///   - expand: the existing paths an absolute glob pattern matches, sorted.
    public func evaluate(
        mainPath: String = SSHDConfigEvaluator.defaultMainPath,
        read: (String) -> SSHDConfigFile,
        expand: (String) -> [String]
    ) -> SSHDEffectiveConfig {
        var state = State()
        let found = process(mainPath, depth: 0, enclosingMatch: nil, state: &state, read: read, expand: expand)
        return SSHDEffectiveConfig(
            mainPath: mainPath, mainFileFound: found, files: state.files, explicitSettings: state.first,
            occurrences: state.occurrences, matchBlocks: state.matchBlocks, problems: state.problems
        )
    }

    private struct State {
        var files: [String] = []
        var first: [String: SSHDEffectiveConfig.Setting] = [:]
        var occurrences: [SSHDEffectiveConfig.Setting] = []
        var matchBlocks: [SSHDEffectiveConfig.MatchBlock] = []
        var problems: [SSHDEffectiveConfig.Problem] = []
    }

    /// Reads one file; returns false when it could not be read.
    private func process(
        _ path: String,
        depth: Int,
        enclosingMatch: Int?,
        state: inout State,
        read: (String) -> SSHDConfigFile,
        expand: (String) -> [String]
    ) -> Bool {
        let lines: [String]
        switch read(path) {
        case .lines(let content):
            lines = content
        case .missing:
            state.problems.append(.init(path: path, line: nil, message: "configuration file not found"))
            return false
        case .unreadable(let reason):
            state.problems.append(.init(path: path, line: nil, message: "configuration file not readable: \(reason)"))
            return false
        }
        state.files.append(path)
        var currentMatch = enclosingMatch
        for (offset, raw) in lines.enumerated() {
            guard let directive = SSHDConfigLine(raw) else { continue }
            let number = offset + 1
            switch directive.keyword {
            case "match":
                state.matchBlocks.append(.init(criteria: directive.arguments.joined(separator: " "), path: path, line: number, settings: []))
                currentMatch = state.matchBlocks.count - 1
            case "include":
                for pattern in directive.arguments {
                    let absolute = pattern.hasPrefix("/") ? pattern : Self.configDirectory + "/" + pattern
                    let files = expand(absolute)
                    if files.isEmpty {
                        state.problems.append(.init(path: path, line: number, message: "Include \(pattern) matches no file"))
                    }
                    for file in files {
                        guard depth + 1 <= Self.maximumIncludeDepth else {
                            state.problems.append(.init(path: path, line: number, message: "Include nested deeper than \(Self.maximumIncludeDepth) levels; \(file) not read"))
                            continue
                        }
                        _ = process(file, depth: depth + 1, enclosingMatch: currentMatch, state: &state, read: read, expand: expand)
                    }
                }
            default:
                let setting = SSHDEffectiveConfig.Setting(
                    keyword: directive.keyword, spelling: directive.spelling, arguments: directive.arguments, path: path, line: number
                )
                if let block = currentMatch {
                    state.matchBlocks[block].settings.append(setting)
                } else {
                    state.occurrences.append(setting)
                    if state.first[setting.keyword] == nil { state.first[setting.keyword] = setting }
                }
            }
        }
        return true
    }
}

extension SSHDEffectiveConfig {
    /// Evaluates the image's sshd configuration; nil when the image has neither /etc/ssh/sshd_config nor an
    /// sshd binary (no OpenSSH server to configure).
    public static func load(from snapshot: ImageSnapshot, notes: inout [ScanNote]) -> SSHDEffectiveConfig? {
        let mainPath = SSHDConfigEvaluator.defaultMainPath
        let hasConfig = snapshot.entry(at: mainPath) != nil
        let hasBinary = ["/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd", "/usr/local/sbin/sshd"].contains { snapshot.exists($0) }
        guard hasConfig || hasBinary else {
            notes.append(ScanNote(path: mainPath, message: "no OpenSSH server in the image (no sshd_config, no sshd binary); sshd checks skipped"))
            return nil
        }
        let config = SSHDConfigEvaluator().evaluate(
            mainPath: mainPath,
            read: { path in
                switch snapshot.text(at: path) {
                case .text(let lines, _): return .lines(lines)
                case .binary: return .unreadable("binary content")
                case .failure(let failure): return failure.isMissing ? .missing : .unreadable(failure.description)
                }
            },
            expand: { snapshot.expandGlob($0) }
        )
        for problem in config.problems where !(problem.path == mainPath && !hasConfig) {
            notes.append(ScanNote(path: problem.path, message: problem.line.map { "line \($0): \(problem.message)" } ?? problem.message))
        }
        return config
    }
}
