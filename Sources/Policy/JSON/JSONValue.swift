/// A parsed JSON value. Objects keep their members in document order; numbers keep their source text.
enum JSONValue: Sendable, Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    /// What the value is, for error messages: `a number`, `an array`, `"text"`.
    var summary: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case let .string(text): "\"\(text)\""
        case let .number(text): "number \(text)"
        case let .bool(flag): "boolean \(flag)"
        case .null: "null"
        }
    }
}
