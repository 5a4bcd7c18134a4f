/// KW-CLOUD-001/002/003, and KW-KEYS-003 for the private keys they hold: credentials and password-login
/// switches in cloud-init configuration and user data baked into the image.
///
/// Examined: every regular file under /etc/cloud and /var/lib/cloud, and every regular file anywhere whose first
/// bytes are `#cloud-config` (after an optional BOM, whitespace and `## template: jinja`) or a MIME header with
/// `Content-Type: multipart/…` (the capture pass sniffs these, so no other file is read again). Findings are on the
/// file's own path and line, whether the image is a directory or an archive. Files larger than the policy's
/// `maximumFileBytes` (1 MiB) are skipped with a note rather than read in part; binary files are only searched for
/// private keys. ``PrivateKeyRules`` and ``TemporaryFileRules`` leave the files examined here to this rule.
public struct CloudConfigRules: ImageRule {
    public static let directories = ["/etc/cloud", "/var/lib/cloud"]

    public init() {}

    /// The files this rule examines, sorted by path (see the type's description).
    public static func documents(in snapshot: ImageSnapshot) -> [FileEntry] {
        files(in: snapshot).examined
    }

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let snapshot = context.snapshot
        let files = Self.files(in: snapshot)
        for entry in files.tooLarge {
            output.note(entry.path, "larger than \(snapshot.policy.maximumFileBytes) bytes; not examined as cloud-init configuration")
        }
        for entry in files.examined {
            switch snapshot.data(at: entry.path) {
            case .success(let data):
                let inDirectories = Self.directories.contains { ImagePath.isInside(entry.path, $0) }
                examine(data.bytes, path: entry.path, assumeCloudConfig: inDirectories, into: &output)
            case .failure(let failure):
                if !failure.isMissing { output.note(entry.path, failure.description) }
            }
        }
        return output
    }

    private static func files(in snapshot: ImageSnapshot) -> (examined: [FileEntry], tooLarge: [FileEntry]) {
        var seen: Set<String> = []
        var entries: [FileEntry] = []
        for directory in directories {
            for entry in snapshot.entries(under: directory) where entry.isRegular && entry.size > 0 && seen.insert(entry.path).inserted {
                entries.append(entry)
            }
        }
        for path in snapshot.cloudConfigCandidates where !seen.contains(path) {
            if let entry = snapshot.entry(at: path), entry.isRegular { entries.append(entry) }
        }
        entries.sort { ImagePath.precedes($0.path, $1.path) }
        let limit = Int64(snapshot.policy.maximumFileBytes)
        return (entries.filter { $0.size <= limit }, entries.filter { $0.size > limit })
    }

    /// Examines one file's bytes: its parts as cloud-config or other user data, then the private keys in it.
    func examine(_ bytes: [UInt8], path: String, assumeCloudConfig: Bool, into output: inout RuleOutput) {
        var keys = PrivateKeyInspector.inspect(bytes)
        guard !bytes.prefix(8192).contains(0) else {
            for key in keys { output.add(.privateKey(key, path: path, line: key.line, context: "in a cloud-init file")) }
            return
        }
        var hostKeys: [CloudConfigCredentials.HostKey] = []
        for part in UserData.parts(of: NumberedLine.lines(of: bytes), assumeCloudConfig: assumeCloudConfig) {
            var skipped: Set<Int> = []
            let description: String
            switch part.content {
            case .cloudConfig:
                var credentials = CloudConfigCredentials(path: path)
                if let root = CloudConfigDocument(lines: part.lines).root { credentials.examine(root) }
                output.findings.append(contentsOf: credentials.findings)
                hostKeys.append(contentsOf: credentials.hostKeys)
                skipped = credentials.examinedLines
                description = "cloud-init configuration"
            case .text(let type):
                description = type
            }
            for line in part.lines where !skipped.contains(line.number) {
                for kind in SecretScanner.kinds(in: line.text) {
                    output.add(Finding(.cloudInitPassword, path: path, line: line.number, message: "\(description) holds a \(kind)"))
                }
            }
            if part.decoded, let first = part.lines.first {
                // Keys in a base64 part are not in the file's own text; they are reported at the part.
                let text = Array(part.lines.map(\.text).joined(separator: "\n").utf8)
                keys += PrivateKeyInspector.inspect(text).map { $0.moved(to: first.number) }
            }
        }
        report(keys, hostKeys: hostKeys, path: path, into: &output)
    }

    /// Private keys, with what cloud-init does with those in `ssh_keys`: it installs them as host keys.
    private func report(_ keys: [PrivateKeyReport], hostKeys: [CloudConfigCredentials.HostKey], path: String, into output: inout RuleOutput) {
        var reported: Set<Int> = []
        for key in keys {
            if let host = hostKeys.firstIndex(where: { $0.value.lines.contains(key.line) }) {
                reported.insert(host)
                output.add(Self.hostKey(key, named: hostKeys[host].name, path: path, line: key.line))
            } else {
                output.add(.privateKey(key, path: path, line: key.line, context: "in cloud-init configuration"))
            }
        }
        // A key given as one quoted string (`"-----BEGIN …\n…"`) has no armour lines of its own in the file.
        for (index, host) in hostKeys.enumerated() where !reported.contains(index) {
            guard let value = host.value.scalar else { continue }
            for key in PrivateKeyInspector.inspect(Array(value.utf8)) {
                output.add(Self.hostKey(key, named: host.name, path: path, line: host.line))
            }
        }
    }

    private static func hostKey(_ key: PrivateKeyReport, named name: String, path: String, line: Int) -> Finding {
        .privateKey(key, path: path, line: line,
                    context: "in cloud-init ssh_keys \(name): installed as the SSH host key of every instance",
                    remediation: "Remove ssh_keys from the configuration so that cloud-init generates host keys per instance; "
                        + "treat the key as disclosed.")
    }
}

private extension PrivateKeyReport {
    /// The same key, placed on `line` (a base64 part's first line).
    func moved(to line: Int) -> PrivateKeyReport {
        PrivateKeyReport(container: container, line: line, encryption: encryption, publicKey: publicKey, publicKeyNote: publicKeyNote)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return String(self[start..<end])
    }

    /// Without one pair of surrounding single or double quotes.
    func trimmingQuotes() -> String {
        let text = String(self)
        guard text.count >= 2, let first = text.first, first == text.last, first == "'" || first == "\"" else { return text }
        return String(text.dropFirst().dropLast())
    }
}
