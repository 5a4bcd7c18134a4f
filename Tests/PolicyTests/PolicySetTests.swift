import Testing
@testable import Policy

/// One row: a policy set, a request, and RAM's decision.
struct EvaluationCase: Sendable, CustomTestStringConvertible {
    let name: String
    let set: PolicySet
    let context: RequestContext
    let expected: Decision

    init(_ name: String, _ set: PolicySet, _ context: RequestContext, _ expected: Decision) {
        self.name = name
        self.set = set
        self.context = context
        self.expected = expected
    }

    var testDescription: String { name }
}

@Suite("Policy set evaluation")
struct PolicySetTests {
    typealias F = Fixture
    static let allowRAMOnly = F.allow("ram:*")
    static let denyDelete = F.deny("ecs:DeleteKeyPairs")

    static let identityCases: [EvaluationCase] = [
        .init("Allow on the action", PolicySet(identityPolicies: [F.allowECS]), .ecs("CreateKeyPair"), .allow),
        .init("no statement covers the action", PolicySet(identityPolicies: [F.allowECS]), RequestContext(action: "ram:CreateUser"), .implicitDeny(.identityPolicy)),
        .init("no identity policy at all", PolicySet(), .ecs("CreateKeyPair"), .implicitDeny(.identityPolicy)),
        .init("actions compare case-insensitively", PolicySet(identityPolicies: [F.allow("ecs:CreateKeyPair")]), RequestContext(action: "ECS:createkeypair"), .allow),
        .init("explicit deny beats allow in another document", PolicySet(identityPolicies: [F.allowAll, denyDelete]), .ecs("DeleteKeyPairs"), .explicitDeny(.identityPolicy)),
        .init(
            "explicit deny beats allow in the same document",
            PolicySet(identityPolicies: [F.statements(#"{"Effect":"Allow","Action":"*","Resource":"*"}"#, #"{"Effect":"Deny","Action":"ecs:Delete*","Resource":"*"}"#)]),
            .ecs("DeleteKeyPairs"),
            .explicitDeny(.identityPolicy)
        ),
        .init("a deny on another action leaves the allow", PolicySet(identityPolicies: [F.allowAll, denyDelete]), .ecs("CreateKeyPair"), .allow),
        .init("NotAction allows all other actions", PolicySet(identityPolicies: [F.statements(#"{"Effect":"Allow","NotAction":"ram:*","Resource":"*"}"#)]), .ecs("CreateKeyPair"), .allow),
        .init("NotAction leaves its own actions out", PolicySet(identityPolicies: [F.statements(#"{"Effect":"Allow","NotAction":"ram:*","Resource":"*"}"#)]), RequestContext(action: "ram:CreateUser"), .implicitDeny(.identityPolicy)),
        .init(
            "Deny NotAction spares the listed actions",
            PolicySet(identityPolicies: [F.allowAll, F.statements(#"{"Effect":"Deny","NotAction":["ecs:Describe*"],"Resource":"*"}"#)]),
            .ecs("DescribeKeyPairs"),
            .allow
        ),
        .init(
            "Deny NotAction denies the rest",
            PolicySet(identityPolicies: [F.allowAll, F.statements(#"{"Effect":"Deny","NotAction":["ecs:Describe*"],"Resource":"*"}"#)]),
            .ecs("DeleteKeyPairs"),
            .explicitDeny(.identityPolicy)
        ),
    ]

    static let resourceCases: [EvaluationCase] = [
        .init("resource pattern with trailing star", PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:*:keypair/dev-*")]), .ecs("DeleteKeyPairs", [F.keyPair("dev-1")]), .allow),
        .init("resource pattern excludes other names", PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:*:keypair/dev-*")]), .ecs("DeleteKeyPairs", [F.keyPair("prod-1")]), .implicitDeny(.identityPolicy)),
        .init("resources compare case-sensitively", PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:*:keypair/dev-*")]), .ecs("DeleteKeyPairs", [F.keyPair("DEV-1")]), .implicitDeny(.identityPolicy)),
        .init("question mark is one character", PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:*:keypair/dev-?")]), .ecs("DeleteKeyPairs", [F.keyPair("dev-1")]), .allow),
        .init("question mark is not two", PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:*:keypair/dev-?")]), .ecs("DeleteKeyPairs", [F.keyPair("dev-12")]), .implicitDeny(.identityPolicy)),
        .init("star in the middle", PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:\(F.account):keypair/*")]), .ecs("DeleteKeyPairs", [F.keyPair("x")]), .allow),
        .init("star in the middle, other account", PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:\(F.account):keypair/*")]), .ecs("DeleteKeyPairs", [F.keyPair("x", account: "2")]), .implicitDeny(.identityPolicy)),
        .init("action wildcard in the middle", PolicySet(identityPolicies: [F.allow("ecs:*KeyPair*")]), .ecs("DetachKeyPair"), .allow),
        .init("no resources means \"*\": a narrow pattern does not cover it", PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:*:keypair/*")]), .ecs("DescribeKeyPairs"), .implicitDeny(.identityPolicy)),
        .init("no resources means \"*\": \"*\" covers it", PolicySet(identityPolicies: [F.allowECS]), .ecs("DescribeKeyPairs"), .allow),
        .init(
            "several resources: one uncovered is an implicit deny",
            PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:*:keypair/*")]),
            .ecs("AttachKeyPair", [F.instance("i-1"), F.keyPair("dev-1")]),
            .implicitDeny(.identityPolicy)
        ),
        .init(
            "several resources: all covered is an allow",
            PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:*:keypair/*"), F.allow("ecs:*", on: "acs:ecs:*:*:instance/*")]),
            .ecs("AttachKeyPair", [F.instance("i-1"), F.keyPair("dev-1")]),
            .allow
        ),
        .init(
            "several resources: a deny on one denies all",
            PolicySet(identityPolicies: [F.allowECS, F.deny("ecs:*", on: "acs:ecs:*:*:instance/i-1")]),
            .ecs("AttachKeyPair", [F.instance("i-1"), F.keyPair("dev-1")]),
            .explicitDeny(.identityPolicy)
        ),
    ]

    static let layerCases: [EvaluationCase] = [
        .init("every control level allows", PolicySet(controlLevels: [[F.allowAll], [F.allowECS]], identityPolicies: [F.allowAll]), .ecs("CreateKeyPair"), .allow),
        .init("a control deny is final", PolicySet(controlLevels: [[F.allowAll], [F.allowAll, denyDelete]], identityPolicies: [F.allowAll]), .ecs("DeleteKeyPairs"), .explicitDeny(.controlPolicy)),
        .init("a control level without allow denies", PolicySet(controlLevels: [[F.allowAll], [allowRAMOnly]], identityPolicies: [F.allowAll]), .ecs("CreateKeyPair"), .implicitDeny(.controlPolicy)),
        .init("an empty control level denies", PolicySet(controlLevels: [[]], identityPolicies: [F.allowAll]), .ecs("CreateKeyPair"), .implicitDeny(.controlPolicy)),
        .init("root is bound by a control deny", PolicySet(controlLevels: [[F.allowAll, denyDelete]], isRoot: true), .ecs("DeleteKeyPairs"), .explicitDeny(.controlPolicy)),
        .init("root is bound by a control level without allow", PolicySet(controlLevels: [[allowRAMOnly]], isRoot: true), .ecs("CreateKeyPair"), .implicitDeny(.controlPolicy)),
        .init("root needs no identity policy", PolicySet(isRoot: true), .ecs("CreateKeyPair"), .allow),
        .init("root ignores identity denies", PolicySet(identityPolicies: [denyDelete], isRoot: true), .ecs("DeleteKeyPairs"), .allow),
        .init("root passes allowing control levels", PolicySet(controlLevels: [[F.allowAll]], isRoot: true), .ecs("DeleteKeyPairs"), .allow),
        .init("session policy narrows: inside", PolicySet(sessionPolicy: F.allow("ecs:Describe*"), identityPolicies: [F.allowAll]), .ecs("DescribeKeyPairs"), .allow),
        .init("session policy narrows: outside", PolicySet(sessionPolicy: F.allow("ecs:Describe*"), identityPolicies: [F.allowAll]), .ecs("CreateKeyPair"), .implicitDeny(.sessionPolicy)),
        .init("session policy grants nothing by itself", PolicySet(sessionPolicy: F.allowAll, identityPolicies: []), .ecs("CreateKeyPair"), .implicitDeny(.identityPolicy)),
        .init("session deny", PolicySet(sessionPolicy: F.statements(#"{"Effect":"Allow","Action":"*","Resource":"*"}"#, #"{"Effect":"Deny","Action":"ecs:Delete*","Resource":"*"}"#), identityPolicies: [F.allowAll]), .ecs("DeleteKeyPairs"), .explicitDeny(.sessionPolicy)),
        .init("a control level's implicit deny is final, before any identity policy", PolicySet(controlLevels: [[allowRAMOnly]], identityPolicies: [denyDelete]), .ecs("DeleteKeyPairs"), .implicitDeny(.controlPolicy)),
        .init("control explicit deny is reported before identity's", PolicySet(controlLevels: [[denyDelete]], identityPolicies: [denyDelete]), .ecs("DeleteKeyPairs"), .explicitDeny(.controlPolicy)),
        .init("control implicit deny is reported before session's", PolicySet(controlLevels: [[allowRAMOnly]], sessionPolicy: allowRAMOnly, identityPolicies: [F.allowAll]), .ecs("CreateKeyPair"), .implicitDeny(.controlPolicy)),
    ]

    static let seedCases: [EvaluationCase] = {
        let set = PolicySet(identityPolicies: [F.seedDeny, F.seedAllow])
        let asControl = PolicySet(controlLevels: [[F.allowAll], [F.seedDeny, F.seedAllow]], identityPolicies: [F.allowAll])
        let inherit = "ecs:PasswordInherit"
        return [
            .init("seed: RunInstances inheriting the password", set, .ecs("RunInstances", keys: [inherit: ["true"]]), .explicitDeny(.identityPolicy)),
            .init("seed: RunInstances not inheriting", set, .ecs("RunInstances", keys: [inherit: ["false"]]), .allow),
            .init("seed: RunInstances without PasswordInherit", set, .ecs("RunInstances"), .allow),
            .init("seed: PasswordInherit compares case-insensitively", set, .ecs("RunInstances", keys: [inherit: ["True"]]), .explicitDeny(.identityPolicy)),
            .init("seed: CreateInstance inheriting", set, .ecs("CreateInstance", keys: [inherit: ["true"]]), .explicitDeny(.identityPolicy)),
            .init("seed: ReplaceSystemDisk inheriting", set, .ecs("ReplaceSystemDisk", keys: [inherit: ["true"]]), .explicitDeny(.identityPolicy)),
            .init("seed: other actions unaffected", set, .ecs("StartInstance", keys: [inherit: ["true"]]), .allow),
            .init("seed: outside ecs nothing allows", set, RequestContext(action: "ram:CreateUser"), .implicitDeny(.identityPolicy)),
            .init("seed as control policy: inheriting", asControl, .ecs("RunInstances", keys: [inherit: ["true"]]), .explicitDeny(.controlPolicy)),
            .init("seed as control policy: not inheriting", asControl, .ecs("RunInstances", keys: [inherit: ["false"]]), .allow),
            .init("seed as control policy: absent", asControl, .ecs("RunInstances"), .allow),
        ]
    }()

    @Test("Identity policies: allow, explicit and implicit deny, NotAction", arguments: identityCases)
    func identity(_ row: EvaluationCase) {
        #expect(row.set.evaluate(row.context) == row.expected)
    }

    @Test("Resources: wildcards, case, several per request", arguments: resourceCases)
    func resources(_ row: EvaluationCase) {
        #expect(row.set.evaluate(row.context) == row.expected)
    }

    @Test("Layers: control levels, session policy, root", arguments: layerCases)
    func layers(_ row: EvaluationCase) {
        #expect(row.set.evaluate(row.context) == row.expected)
    }

    @Test("Seed policy denies exactly the password-inheriting launches", arguments: seedCases)
    func seed(_ row: EvaluationCase) {
        #expect(row.set.evaluate(row.context) == row.expected)
    }
}
