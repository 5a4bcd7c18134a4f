/// One layer of evaluation: a set of documents that, together, allow, deny or say nothing about a request.
struct Layer {
    enum Outcome: Equatable {
        case allow, explicitDeny, implicitDeny
    }

    let documents: [PolicyDocument]

    private var statements: some Sequence<PolicyStatement> { documents.lazy.flatMap(\.statements) }

    /// Explicit deny if any resource meets a matching `Deny`; allow if every resource meets a matching `Allow`; else implicit deny.
    func evaluate(_ context: RequestContext) -> Outcome {
        let resources = context.effectiveResources
        let relevant = statements.filter { $0.covers(action: context.action) && $0.conditionsHold(in: context) }
        let denies = relevant.filter { $0.effect == .deny }
        if resources.contains(where: { resource in denies.contains { $0.covers(resource: resource) } }) { return .explicitDeny }
        let allows = relevant.filter { $0.effect == .allow }
        return resources.allSatisfy { resource in allows.contains { $0.covers(resource: resource) } } ? .allow : .implicitDeny
    }

    /// Whether some `Allow` covers the action (resources aside) with conditions that hold, or that depend on a key of the
    /// resource (`isResourceKey`), which may hold for some resource.
    func mayAllow(_ context: RequestContext, isResourceKey: (String) -> Bool) -> Bool {
        statements.contains { statement in
            statement.effect == .allow && statement.covers(action: context.action)
                && statement.conditions.allSatisfy { isResourceKey($0.key) || $0.holds(in: context) }
        }
    }

    /// Whether a `Deny` on every resource covers the action with conditions that hold whatever the resource.
    func deniesEverywhere(_ context: RequestContext, isResourceKey: (String) -> Bool) -> Bool {
        statements.contains { statement in
            statement.effect == .deny && statement.covers(action: context.action)
                && statement.conditions.allSatisfy { !isResourceKey($0.key) && $0.holds(in: context) }
                && (statement.resources?.contains(where: Wildcard.matchesEverything) ?? true)
        }
    }
}
