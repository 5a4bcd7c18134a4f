import Foundation

/// Reading PAM stacks: `/etc/pam.d/*` lines as `type control module [arguments]`.
enum PAMStack {
    struct Line {
        let path: String
        let number: Int
        let module: String
        let arguments: [String]
    }

    /// Every module line of every file in /etc/pam.d (`@include` lines are left to the included file's own scan).
    static func lines(in snapshot: ImageSnapshot, notes: inout [ScanNote]) -> [Line] {
        var result: [Line] = []
        for entry in snapshot.children(of: "/etc/pam.d").sorted(by: { ImagePath.precedes($0.path, $1.path) }) where !entry.isDirectory {
            guard let lines = snapshot.lines(at: entry.path, notes: &notes) else { continue }
            for (offset, raw) in lines.enumerated() {
                if let line = parse(raw, path: entry.path, number: offset + 1) { result.append(line) }
            }
        }
        return result
    }

    /// The files among `files` whose stack names `module`.
    static func mentions(_ module: String, in snapshot: ImageSnapshot, files: [String]) -> [String] {
        var ignored: [ScanNote] = []
        return files.filter { path in
            (snapshot.lines(at: path, notes: &ignored) ?? []).contains { raw in
                parse(raw, path: path, number: 0)?.module.contains(module) ?? false
            }
        }
    }

    /// `auth [success=1 default=ignore] pam_unix.so nullok` → module `pam_unix.so`, arguments `nullok`.
    static func parse(_ raw: String, path: String, number: Int) -> Line? {
        let text = raw.trimmingSpaces()
        guard !text.isEmpty, !text.hasPrefix("#"), !text.hasPrefix("@") else { return nil }
        var tokens: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "[" { depth += 1 }
            if character == "]" { depth = max(0, depth - 1) }
            if (character == " " || character == "\t") && depth == 0 {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        let index = 2  // after the type and the control field
        guard tokens.count > index else { return nil }
        return Line(path: path, number: number, module: tokens[index], arguments: Array(tokens.dropFirst(index + 1)))
    }
}

/// KW-PAM-001/002: pam_unix `nullok`, and pam_access with deny rules.
public struct PAMRules: ImageRule {
    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let snapshot = context.snapshot
        let emptyPasswords = context.accounts.passwd.filter { context.accounts.passwordState(of: $0).state == .empty }.map(\.name)
        for line in PAMStack.lines(in: snapshot, notes: &output.notes) {
            if line.module.hasSuffix("pam_unix.so"), line.arguments.contains(where: { $0 == "nullok" || $0 == "nullok_secure" }) {
                let accounts = emptyPasswords.isEmpty ? "" : "; accounts with an empty password: " + emptyPasswords.joined(separator: ", ")
                output.add(Finding(.pamNullok, severity: emptyPasswords.isEmpty ? .medium : .high, path: line.path, line: line.number,
                                   message: "pam_unix accepts empty passwords (nullok)\(accounts)"))
            }
            if line.module.hasSuffix("pam_access.so") {
                let file = line.arguments.first { $0.hasPrefix("accessfile=") }.map { String($0.dropFirst("accessfile=".count)) }
                    ?? "/etc/security/access.conf"
                let denies = Self.denyRules(in: snapshot.lines(at: file, output: &output) ?? [])
                guard !denies.isEmpty else { continue }
                let shown = denies.prefix(3).map { "line \($0.line): '\($0.rule)'" }.joined(separator: ", ")
                output.add(Finding(.pamAccessDeny, path: line.path, line: line.number,
                                   message: "pam_access with \(denies.count) deny rule(s) in \(file): \(shown)"))
            }
        }
        return output
    }

    /// `-:users:origins` lines of an access.conf.
    static func denyRules(in lines: [String]) -> [(line: Int, rule: String)] {
        lines.enumerated().compactMap { offset, raw in
            let text = raw.trimmingSpaces()
            guard text.hasPrefix("-") else { return nil }
            return (line: offset + 1, rule: text)
        }
    }
}
