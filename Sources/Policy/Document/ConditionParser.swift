/// Reads a statement's `Condition` block: `{"<Operator>": {"<key>": value-or-array}}`.
struct ConditionParser {
    let statement: StatementParser

    func parse(_ json: JSONValue?) throws(PolicyDocumentError) -> [Condition] {
        guard let json else { return [] }
        guard case let .object(operators) = json else { throw statement.fail("Condition must be an object, found \(json.summary)") }
        var conditions: [Condition] = []
        for (name, block) in operators {
            guard let op = ConditionOperator(rawValue: name) else { throw statement.fail("unknown condition operator \"\(name)\"") }
            guard case let .object(keys) = block else {
                throw statement.fail("condition operator \"\(name)\" must map to an object of keys, found \(block.summary)")
            }
            guard !keys.isEmpty else { throw statement.fail("condition operator \"\(name)\" has no keys") }
            for (key, value) in keys {
                guard !key.isEmpty else { throw statement.fail("\(name): condition key must not be empty") }
                let values = try self.values(value, operator: name, key: key)
                do {
                    conditions.append(try Condition(operator: op, key: key, values: values))
                } catch {
                    throw statement.fail("\(name) \"\(key)\": \(error.reason)")
                }
            }
        }
        return conditions
    }

    /// A value or non-empty array of values, each a string, number or boolean, as text.
    private func values(_ json: JSONValue, operator name: String, key: String) throws(PolicyDocumentError) -> [String] {
        let items: [JSONValue]
        if case let .array(array) = json {
            guard !array.isEmpty else { throw statement.fail("\(name) \"\(key)\": values must not be an empty array") }
            items = array
        } else {
            items = [json]
        }
        var result: [String] = []
        for item in items {
            switch item {
            case let .string(text): result.append(text)
            case let .number(text): result.append(text)
            case let .bool(flag): result.append(flag ? "true" : "false")
            default: throw statement.fail("\(name) \"\(key)\": a value must be a string, number or boolean, found \(item.summary)")
            }
        }
        return result
    }
}
