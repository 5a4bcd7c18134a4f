/// Reads one element of `Statement` into a ``PolicyStatement``; errors are prefixed `Statement[<index>]: `.
struct StatementParser {
    let index: Int
    let kind: PolicyKind

    func fail(_ message: String) -> PolicyDocumentError {
        PolicyDocumentError("Statement[\(index)]: \(message)")
    }

    func parse(_ json: JSONValue) throws(PolicyDocumentError) -> PolicyStatement {
        guard case let .object(members) = json else {
            throw PolicyDocumentError("Statement[\(index)] must be an object, found \(json.summary)")
        }
        var fields: [String: JSONValue] = [:]
        for (key, value) in members {
            switch key {
            case "Effect", "Action", "NotAction", "Resource", "Condition", "Principal", "Sid":
                fields[key] = value
            case "NotResource", "NotPrincipal":
                throw fail("\(key) is not supported")
            default:
                throw fail("unknown key \"\(key)\"")
            }
        }
        return PolicyStatement(
            sid: try sid(fields["Sid"]),
            effect: try effect(fields["Effect"]),
            actions: try actions(action: fields["Action"], notAction: fields["NotAction"]),
            resources: try resources(fields["Resource"]),
            principal: try principal(fields["Principal"]),
            conditions: try ConditionParser(statement: self).parse(fields["Condition"])
        )
    }

    private func sid(_ json: JSONValue?) throws(PolicyDocumentError) -> String? {
        guard let json else { return nil }
        guard case let .string(sid) = json else { throw fail("Sid must be a string, found \(json.summary)") }
        return sid
    }

    private func effect(_ json: JSONValue?) throws(PolicyDocumentError) -> PolicyStatement.Effect {
        guard let json else { throw fail("missing Effect") }
        guard case let .string(text) = json, let effect = PolicyStatement.Effect(rawValue: text) else {
            throw fail("Effect must be \"Allow\" or \"Deny\", found \(json.summary)")
        }
        return effect
    }

    private func actions(action: JSONValue?, notAction: JSONValue?) throws(PolicyDocumentError) -> PolicyStatement.Actions {
        switch (action, notAction) {
        case (.some, .some): throw fail("both Action and NotAction are present")
        case (.none, .none): throw fail("missing Action or NotAction")
        case let (.some(json), .none): return .action(try actionPatterns(json, element: "Action"))
        case let (.none, .some(json)): return .notAction(try actionPatterns(json, element: "NotAction"))
        }
    }

    private func actionPatterns(_ json: JSONValue, element: String) throws(PolicyDocumentError) -> [String] {
        let patterns = try strings(json, element: element)
        for pattern in patterns where !Self.isActionPattern(pattern) {
            throw fail("\(element) \"\(pattern)\" is not \"*\" or \"<service>:<action>\"")
        }
        return patterns
    }

    /// `*`, or `service:Name` where both parts are letters, digits, `-`, `_`, `.` and wildcards.
    static func isActionPattern(_ pattern: String) -> Bool {
        if pattern == "*" { return true }
        let parts = pattern.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || "0123456789-_.*?".unicodeScalars.contains($0)) }
        }
    }

    private func resources(_ json: JSONValue?) throws(PolicyDocumentError) -> [String]? {
        guard let json else {
            if kind.isTrust { return nil }
            throw fail("missing Resource")
        }
        return try strings(json, element: "Resource")
    }

    private func principal(_ json: JSONValue?) throws(PolicyDocumentError) -> PolicyStatement.Principal? {
        guard kind.isTrust else {
            if json != nil { throw fail("Principal is only allowed in trust policies") }
            return nil
        }
        guard let json else { throw fail("missing Principal") }
        guard case let .object(members) = json else { throw fail("Principal must be an object, found \(json.summary)") }
        var ram: [String] = []
        var service: [String] = []
        var federated: [String] = []
        for (key, value) in members {
            switch key {
            case "RAM": ram = try strings(value, element: "Principal.RAM")
            case "Service": service = try strings(value, element: "Principal.Service")
            case "Federated": federated = try strings(value, element: "Principal.Federated")
            default: throw fail("unknown Principal key \"\(key)\"")
            }
        }
        guard !members.isEmpty else { throw fail("Principal must name RAM, Service or Federated") }
        return PolicyStatement.Principal(ram: ram, service: service, federated: federated)
    }

    /// A string or a non-empty array of non-empty strings; a bare string is a one-element list.
    func strings(_ json: JSONValue, element: String) throws(PolicyDocumentError) -> [String] {
        let items: [JSONValue]
        switch json {
        case .string: items = [json]
        case let .array(array) where !array.isEmpty: items = array
        case .array: throw fail("\(element) must not be an empty array")
        default: throw fail("\(element) must be a string or an array of strings, found \(json.summary)")
        }
        var result: [String] = []
        for item in items {
            guard case let .string(text) = item else { throw fail("\(element) must contain only strings, found \(item.summary)") }
            guard !text.isEmpty else { throw fail("\(element) must not contain an empty string") }
            result.append(text)
        }
        return result
    }
}
