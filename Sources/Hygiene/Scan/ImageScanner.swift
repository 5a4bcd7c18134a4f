/// Scans an image (a directory or a tar / tar.gz archive) for logon credentials and login settings left in it.
///
/// ```swift
/// let report = try ImageScanner().scan(path: "rootfs.tar.gz")
/// print(TextReportRenderer(color: false).render(report))
/// ```
public struct ImageScanner: Sendable {
    public var policy: RetentionPolicy
    public var rules: [any ImageRule]

    /// Every rule, in report order of concern.
    public static var defaultRules: [any ImageRule] {
        [
            AccountRules(), BackupRules(), AuthorizedKeysRules(), PrivateKeyRules(), HostKeyRules(), HistoryRules(),
            TemporaryFileRules(), CloudConfigRules(), MachineIDRules(), AccessControlRules(), PAMRules(), SSHDRules(),
        ]
    }

    public init(policy: RetentionPolicy = RetentionPolicy(), rules: [any ImageRule] = ImageScanner.defaultRules) {
        self.policy = policy
        self.rules = rules
    }

    /// Opens and scans `path`.
    /// - Throws: ``ScanTargetError`` when `path` is neither a directory nor a readable tar / tar.gz archive.
    ///   Problems inside the image never throw; they become notes.
    public func scan(path: String, stripComponents: Int = 0, progress: (ScanProgress) -> Void = { _ in }) throws(ScanTargetError) -> ScanReport {
        let filesystem = try ScanTarget.open(path, stripComponents: stripComponents)
        return scan(filesystem, progress: progress)
    }

    public func scan(_ filesystem: any RootFilesystem, progress: (ScanProgress) -> Void = { _ in }) -> ScanReport {
        scan(ImageSnapshot(filesystem: filesystem, policy: policy, progress: progress))
    }

    public func scan(_ snapshot: ImageSnapshot) -> ScanReport {
        let context = RuleContext(snapshot: snapshot)
        var findings: [Finding] = []
        var notes = snapshot.captureNotes + context.notes
        for rule in rules {
            let output = rule.evaluate(context)
            findings.append(contentsOf: output.findings)
            notes.append(contentsOf: output.notes)
        }
        return ScanReport(target: snapshot.target, targetKind: snapshot.filesystem.kindName, findings: findings, notes: notes)
    }
}
