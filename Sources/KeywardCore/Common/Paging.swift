/// A page request, validated against the caller's limits: a 1-based page number, or any offset.
public struct PageRequest: Sendable, Hashable {
    public let offset: Int
    public let size: Int

    public init(number: Int, size: Int) {
        self.offset = (number - 1) * size
        self.size = size
    }

    public init(offset: Int, size: Int) {
        self.offset = offset
        self.size = size
    }

    /// The 1-based page `offset` falls in.
    public var number: Int { size > 0 ? offset / size + 1 : 1 }
}

/// One page of results and the number of matches over all pages.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let totalCount: Int
    public let request: PageRequest

    public init(items: [Item], totalCount: Int, request: PageRequest) {
        self.items = items
        self.totalCount = totalCount
        self.request = request
    }
}
