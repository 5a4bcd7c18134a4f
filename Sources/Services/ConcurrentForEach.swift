extension Array where Element: Sendable {
    /// Runs `body` for every element, at most `width` at once (instance work waits on processes and disks more than on
    /// the processor). Every element is tried even when another fails; the failure of the earliest element is thrown once
    /// all have ended.
    public func concurrentForEach(width: Int, _ body: @escaping @Sendable (Element) async throws -> Void) async throws {
        precondition(width > 0, "a width of at least one")
        var failures: [Int: any Error] = [:]
        await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for (index, element) in enumerated() {
                if index >= width, let (ended, failure) = await group.next(), let failure { failures[ended] = failure }
                group.addTask {
                    do {
                        try await body(element)
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            for await (ended, failure) in group {
                if let failure { failures[ended] = failure }
            }
        }
        if let earliest = failures.keys.min(), let failure = failures[earliest] { throw failure }
    }
}
