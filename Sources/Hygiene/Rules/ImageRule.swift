/// A check over an image. Rules do no I/O of their own: they read the image through the context's snapshot,
/// which resolves every path inside the image.
public protocol ImageRule: Sendable {
    func evaluate(_ context: RuleContext) -> RuleOutput
}

/// What every rule may need, parsed once per scan: the snapshot, the account databases and the effective
/// sshd configuration (nil when the image has no OpenSSH server).
public struct RuleContext: Sendable {
    public let snapshot: ImageSnapshot
    public let accounts: AccountDatabase
    public let sshd: SSHDEffectiveConfig?
    /// Problems met while parsing the shared inputs.
    public let notes: [ScanNote]

    public init(snapshot: ImageSnapshot) {
        var notes: [ScanNote] = []
        self.snapshot = snapshot
        self.accounts = AccountDatabase.load(from: snapshot, notes: &notes)
        self.sshd = SSHDEffectiveConfig.load(from: snapshot, notes: &notes)
        self.notes = notes
    }
}

extension ImageSnapshot {
    /// The lines of a text file for a content rule. Truncated and binary files and read failures become
    /// notes (a plain "missing" only when `noteMissing`); nil when there is nothing to examine.
    func lines(at path: String, notes: inout [ScanNote], noteMissing: Bool = false, noteBinary: Bool = true) -> [String]? {
        switch text(at: path) {
        case .text(let lines, let truncated):
            if truncated {
                notes.append(ScanNote(path: path, message: "larger than \(policy.maximumFileBytes) bytes; only the beginning was examined"))
            }
            return lines
        case .binary(let truncated):
            if noteBinary {
                let size = truncated ? "large binary" : "binary"
                notes.append(ScanNote(path: path, message: "\(size) content; not examined as text"))
            }
            return nil
        case .failure(let failure):
            if noteMissing || !failure.isMissing {
                notes.append(ScanNote(path: path, message: failure.description))
            }
            return nil
        }
    }

    /// `lines(at:notes:)` adding its notes to a rule's output.
    func lines(at path: String, output: inout RuleOutput, noteMissing: Bool = false, noteBinary: Bool = true) -> [String]? {
        lines(at: path, notes: &output.notes, noteMissing: noteMissing, noteBinary: noteBinary)
    }
}
