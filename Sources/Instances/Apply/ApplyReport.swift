/// What an apply changed.
public struct ApplyReport: Sendable, Hashable {
    /// Guest paths (such as `/etc/shadow`) that were written, created or removed, in the order they were changed.
    /// Empty when the guest already had the desired state.
    public let changedFiles: [String]

    public init(changedFiles: [String]) {
        self.changedFiles = changedFiles
    }
}
