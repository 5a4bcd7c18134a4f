/// A validated RAM policy document: `{"Version":"1","Statement":[…]}`.
public struct PolicyDocument: Sendable, Equatable {
    public let statements: [PolicyStatement]

    /// The largest text `parse` reads, in UTF-8 bytes; callers enforce RAM's smaller documented limits.
    public static let maximumBytes = 65_536
    /// The deepest JSON nesting `parse` reads (the document object is level 1).
    public static let maximumDepth = 16

    /// Parses and validates `text` as a policy of `kind`. Anything RAM does not document is refused:
    /// unknown keys, `NotResource`, unknown condition operators, values that do not suit their operator.
    public static func parse(_ text: String, kind: PolicyKind) throws(PolicyDocumentError) -> PolicyDocument {
        guard text.utf8.count <= maximumBytes else {
            throw PolicyDocumentError("policy document is larger than \(maximumBytes) bytes")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(text, maximumDepth: maximumDepth)
        } catch {
            throw PolicyDocumentError("invalid JSON: \(error.message)")
        }
        guard case let .object(members) = json else {
            throw PolicyDocumentError("policy document must be a JSON object, found \(json.summary)")
        }
        var version: JSONValue?
        var statement: JSONValue?
        for (key, value) in members {
            switch key {
            case "Version": version = value
            case "Statement": statement = value
            default: throw PolicyDocumentError("unknown top-level key \"\(key)\"")
            }
        }
        guard let version else { throw PolicyDocumentError("missing Version") }
        guard version == .string("1") else { throw PolicyDocumentError("Version must be the string \"1\", found \(version.summary)") }
        guard let statement else { throw PolicyDocumentError("missing Statement") }
        let elements: [JSONValue]
        switch statement {
        case .object: elements = [statement]
        case let .array(array) where !array.isEmpty: elements = array
        case .array: throw PolicyDocumentError("Statement must not be empty")
        default: throw PolicyDocumentError("Statement must be an object or an array of objects, found \(statement.summary)")
        }
        var statements: [PolicyStatement] = []
        for (index, element) in elements.enumerated() {
            statements.append(try StatementParser(index: index, kind: kind).parse(element))
        }
        return PolicyDocument(statements: statements)
    }
}
