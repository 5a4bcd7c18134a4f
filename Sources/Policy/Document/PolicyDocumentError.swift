/// Why text is not a valid policy document. `message` says exactly what is wrong and where,
/// e.g. `Statement[1]: unknown condition operator "StringEqualz"` (statements count from 0).
public struct PolicyDocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
