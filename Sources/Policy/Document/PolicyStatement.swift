/// One statement of a policy document, validated: every pattern is non-empty, every condition value suits its operator.
public struct PolicyStatement: Sendable, Equatable {
    public enum Effect: String, Sendable, Equatable {
        case allow = "Allow"
        case deny = "Deny"
    }

    /// The actions a statement covers: those matching one of the patterns (`Action`), or all others (`NotAction`).
    public enum Actions: Sendable, Equatable {
        case action([String])
        case notAction([String])
    }

    /// The `Sid`, if the statement has one; it plays no part in evaluation.
    public let sid: String?
    public let effect: Effect
    public let actions: Actions
    /// Resource patterns; `nil` only in a trust policy statement without `Resource`.
    public let resources: [String]?
    /// Who the statement names; non-`nil` exactly in trust policies.
    public let principal: Principal?
    /// All of them must hold for the statement to match.
    public let conditions: [Condition]

    /// Whether the statement covers `action` (case-insensitive wildcard match).
    func covers(action: String) -> Bool {
        switch actions {
        case let .action(patterns): patterns.contains { Wildcard.matches($0, action, ignoringCase: true) }
        case let .notAction(patterns): !patterns.contains { Wildcard.matches($0, action, ignoringCase: true) }
        }
    }

    /// Whether the statement covers `resource` (case-sensitive wildcard match); a statement without `Resource` covers all.
    func covers(resource: String) -> Bool {
        guard let resources else { return true }
        return resources.contains { Wildcard.matches($0, resource) }
    }

    func conditionsHold(in context: RequestContext) -> Bool {
        conditions.allSatisfy { $0.holds(in: context) }
    }

    /// The `Principal` of a trust policy statement: whom it names, by kind. (Nested: KeywardCore has its own `Principal`.)
    public struct Principal: Sendable, Equatable {
        /// Accounts (`acs:ram::<id>:root` or a bare id), users and roles (`acs:ram::<id>:user/alice`); `*` patterns allowed.
        public let ram: [String]
        /// Cloud services, e.g. `ecs.aliyuncs.com`.
        public let service: [String]
        /// Identity providers, e.g. `acs:ram::<id>:saml-provider/idp`.
        public let federated: [String]
    }
}
