/// A page request, 1-based, validated against the caller's limits.
public struct PageRequest: Sendable, Hashable {
    public let number: Int
    public let size: Int

    public init(number: Int, size: Int) {
        self.number = number
        self.size = size
    }

    public var offset: Int { (number - 1) * size }
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
