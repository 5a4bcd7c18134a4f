/// One test of a statement's `Condition` block: `operator` applied to the request's values for `key`.
/// A statement's conditions all have to hold (AND); `values` are alternatives (OR).
public struct Condition: Sendable, Equatable {
    public let `operator`: ConditionOperator
    /// The condition key as written; it is matched case-insensitively against the request's keys.
    public let key: String
    /// The policy's values, as text (`true` → `"true"`, numbers as written), valid for the operator's family.
    public let values: [String]

    /// Fails when a value does not suit the operator's family; the description says which.
    init(operator: ConditionOperator, key: String, values: [String]) throws(ConditionValueError) {
        for value in values where ConditionValue(value, family: `operator`.family, side: .policy) == nil {
            throw ConditionValueError(value: value, family: `operator`.family)
        }
        self.operator = `operator`
        self.key = key
        self.values = values
    }

    /// Whether the condition holds for the request. A key the request does not carry never matches, negated operators included.
    func holds(in context: RequestContext) -> Bool {
        let family = `operator`.family
        let requestValues = context.values(forConditionKey: key).compactMap { ConditionValue($0, family: family, side: .request) }
        // Request values that are not of the operator's family are ignored; none left means the key is absent.
        guard !requestValues.isEmpty else { return false }
        let policyValues = values.compactMap { ConditionValue($0, family: family, side: .policy) }
        let anyMatch = policyValues.contains { policy in requestValues.contains { compare(policy: policy, request: $0) } }
        return `operator`.isNegated ? !anyMatch : anyMatch
    }

    private func compare(policy: ConditionValue, request: ConditionValue) -> Bool {
        switch (policy, request) {
        case let (.text(p), .text(r)):
            switch `operator` {
            case .stringEqualsIgnoreCase, .stringNotEqualsIgnoreCase: p.lowercased() == r.lowercased()
            case .stringLike, .stringNotLike: Wildcard.matches(p, r)
            default: p == r
            }
        case let (.number(p), .number(r)), let (.instant(p), .instant(r)):
            switch `operator` {
            case .numericLessThan, .dateLessThan: r < p
            case .numericLessThanEquals, .dateLessThanEquals: r <= p
            case .numericGreaterThan, .dateGreaterThan: r > p
            case .numericGreaterThanEquals, .dateGreaterThanEquals: r >= p
            default: r == p
            }
        case let (.flag(p), .flag(r)):
            p == r
        case let (.range(p), .address(r)):
            p.contains(r)
        default:
            false
        }
    }
}

/// A condition value that does not suit its operator.
struct ConditionValueError: Error {
    let value: String
    let family: ConditionOperator.Family

    var reason: String {
        switch family {
        case .string: "\"\(value)\" is not a string"
        case .numeric: "\"\(value)\" is not a number"
        case .date: "\"\(value)\" is not an ISO 8601 date"
        case .bool: "\"\(value)\" is not \"true\" or \"false\""
        case .ip: "\"\(value)\" is not an IP address or CIDR block"
        }
    }
}
