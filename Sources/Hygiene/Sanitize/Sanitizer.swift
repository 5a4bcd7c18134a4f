/// The fixing counterpart of the scanner, for an image unpacked in a directory: like virt-sysprep, but it
/// says exactly what it changes. ``plan(_:)`` computes the changes without touching anything (`--dry-run`);
/// ``apply(_:)`` carries them out. Files are replaced atomically (temporary file in the same directory, fsync,
/// rename) with their mode and owner kept, and nothing is written or deleted through a link: every path was
/// resolved inside the image, and every directory on the way is checked to be real just before the change.
public struct Sanitizer: Sendable {
    public let root: DirectoryRoot

    /// - Throws: ``SanitizeError/target(_:)`` when `directory` is not a directory.
    public init(directory: String) throws(SanitizeError) {
        do {
            root = try DirectoryRoot(path: directory)
        } catch let error as ScanTargetError {
            throw .target(error)
        } catch {
            throw .target(.unreadable(path: directory, reason: "\(error)"))
        }
    }

    /// The changes `options` call for, computed from the image as it is now.
    public func plan(_ options: SanitizeOptions) -> SanitizePlan {
        let snapshot = ImageSnapshot(filesystem: root)
        var planner = SanitizePlanner(context: RuleContext(snapshot: snapshot), options: options)
        return planner.makePlan()
    }

    /// Carries out `plan`: file writes first, then removals. A change that cannot be made is a failure and
    /// leaves that file as it was; the others still happen.
    public func apply(_ plan: SanitizePlan) -> SanitizeOutcome {
        var failed: [String: String] = [:]
        for write in plan.writes {
            if let reason = perform(write) { failed[write.path] = reason }
        }
        for removal in plan.removals {
            if let reason = perform(removal) { failed[removal.path] = reason }
        }
        let applied = plan.actions.filter { failed[$0.path] == nil }
        let failures = failed.map { SanitizeFailure(path: $0.key, reason: $0.value) }.sorted { ImagePath.precedes($0.path, $1.path) }
        return SanitizeOutcome(applied: applied, failures: failures)
    }

    private func perform(_ write: FileWrite) -> String? {
        guard root.parentIsReal(write.path) else { return "a directory on the way is a symbolic link; not written" }
        let host = root.hostPath(write.path)
        if let status = SystemCalls.linkStatus(host) {
            guard status.type == .regular else { return "no longer a regular file; not written" }
        } else if !write.creates {
            return "the file has gone; not written"
        }
        return SystemCalls.replaceFile(host, with: write.content, permissions: write.permissions, uid: write.uid, gid: write.gid)?.description
    }

    private func perform(_ removal: Removal) -> String? {
        guard removal.path != "/" else { return "refusing to remove the image root" }
        guard root.parentIsReal(removal.path) else { return "a directory on the way is a symbolic link; not removed" }
        let host = root.hostPath(removal.path)
        guard let status = SystemCalls.linkStatus(host) else { return nil }  // already gone
        if status.type == .directory {
            guard removal.recursive else { return "is a directory; not removed" }
            return SystemCalls.removeTree(host)?.description
        }
        return SystemCalls.removeEntry(host, isDirectory: false)?.description
    }
}

/// Sanitize plans and outcomes as text for people.
public enum SanitizeRenderer {
    /// Every change, grouped by operation; `outcome` nil for a dry run.
    public static func render(_ plan: SanitizePlan, target: String, outcome: SanitizeOutcome?) -> String {
        var lines: [String] = []
        if outcome == nil {
            lines.append("keyward image sanitize \(target) (dry run): \(plan.actions.count) change(s) would be made")
        } else {
            lines.append("keyward image sanitize \(target): \(plan.actions.count) change(s) planned")
        }
        for operation in SanitizeOperation.allCases {
            let actions = plan.actions.filter { $0.operation == operation }
            guard !actions.isEmpty else { continue }
            lines.append("")
            lines.append("\(operation.rawValue) — \(operation.summary)")
            for action in actions {
                lines.append("  \(action.path): \(action.summary)")
            }
        }
        if !plan.notes.isEmpty {
            lines.append("")
            lines.append("NOTES")
            for note in plan.notes {
                lines.append("  - " + (note.path.map { "\($0): " } ?? "") + note.message)
            }
        }
        if let outcome {
            lines.append("")
            lines.append("\(outcome.applied.count) change(s) made, \(outcome.failures.count) file(s) failed")
            for failure in outcome.failures {
                lines.append("  FAILED \(failure.path): \(failure.reason)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
