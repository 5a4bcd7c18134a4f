import Testing
@testable import Policy

@Suite("mayAllowSomeResource: filter a list or refuse")
struct MayAllowTests {
    typealias F = Fixture
    static let describe = "ecs:DescribeKeyPairs"
    static let request = RequestContext(action: describe, conditionKeys: ["acs:SourceIp": ["10.1.2.3"], "acs:SecureTransport": ["true"]])

    @Test("An Allow on some resources is enough to filter")
    func allowOnSomeResources() {
        #expect(PolicySet(identityPolicies: [F.allow("ecs:*", on: "acs:ecs:*:*:keypair/dev-*")]).mayAllowSomeResource(Self.request))
    }

    @Test("A conditional Allow may allow only when its condition holds")
    func conditionalAllow() {
        let set = PolicySet(identityPolicies: [F.allowECS(when: #"{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#)])
        #expect(set.mayAllowSomeResource(Self.request))
        #expect(!set.mayAllowSomeResource(RequestContext(action: Self.describe, conditionKeys: ["acs:SourceIp": ["127.0.0.1"]])))
    }

    @Test("No Allow for the action refuses")
    func noAllow() {
        #expect(!PolicySet().mayAllowSomeResource(Self.request))
        #expect(!PolicySet(identityPolicies: [F.allow("ram:*")]).mayAllowSomeResource(Self.request))
    }

    @Test("An unconditional Deny on every resource refuses")
    func denyEverywhere() {
        #expect(!PolicySet(identityPolicies: [F.allowAll, F.deny("ecs:Describe*")]).mayAllowSomeResource(Self.request))
    }

    @Test("A Deny on some resources, or under a condition that does not hold, still may allow")
    func partialDeny() {
        let narrow = PolicySet(identityPolicies: [F.allowAll, F.deny("ecs:*", on: "acs:ecs:*:*:keypair/prod-*")])
        #expect(narrow.mayAllowSomeResource(Self.request))
        let conditional = Fixture.statements(
            #"{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}"#
        )
        #expect(PolicySet(identityPolicies: [F.allowAll, conditional]).mayAllowSomeResource(Self.request))
        let plain = RequestContext(action: Self.describe, conditionKeys: ["acs:SecureTransport": ["false"]])
        #expect(!PolicySet(identityPolicies: [F.allowAll, conditional]).mayAllowSomeResource(plain))
    }

    @Test("Every layer must have an Allow: control levels and session policy")
    func everyLayer() {
        #expect(!PolicySet(controlLevels: [[F.allowAll], [F.allow("ram:*")]], identityPolicies: [F.allowAll]).mayAllowSomeResource(Self.request))
        #expect(!PolicySet(sessionPolicy: F.allow("ram:*"), identityPolicies: [F.allowAll]).mayAllowSomeResource(Self.request))
        #expect(!PolicySet(controlLevels: [[F.allowAll, F.deny("ecs:*")]], isRoot: true).mayAllowSomeResource(Self.request))
        #expect(PolicySet(controlLevels: [[F.allowAll]], sessionPolicy: F.allowECS, identityPolicies: [F.allowECS]).mayAllowSomeResource(Self.request))
    }

    @Test("Root needs no identity Allow")
    func root() {
        #expect(PolicySet(isRoot: true).mayAllowSomeResource(Self.request))
    }

    @Test("Conditions on a resource's own keys may hold for some resource, so they neither refuse nor deny everywhere")
    func resourceKeys() {
        let tagged = F.allowECS(when: #"{"StringEquals":{"acs:ResourceTag/env":"dev"}}"#)
        #expect(!PolicySet(identityPolicies: [tagged]).mayAllowSomeResource(Self.request))
        #expect(PolicySet(identityPolicies: [tagged]).mayAllowSomeResource(Self.request, resourceKeyPrefixes: ["acs:ResourceTag/"]))
        let taggedDeny = Fixture.statements(#"{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringEquals":{"acs:ResourceTag/env":"prod"}}}"#)
        #expect(PolicySet(identityPolicies: [F.allowAll, taggedDeny]).mayAllowSomeResource(Self.request, resourceKeyPrefixes: ["acs:ResourceTag/"]))
    }

    @Test("Whether any layer conditions on a key is found by its prefix, in any case")
    func mentionsConditionKey() {
        let tagged = F.allowECS(when: #"{"StringEquals":{"acs:ResourceTag/env":"dev"}}"#)
        #expect(PolicySet(identityPolicies: [F.allowAll, tagged]).mentionsConditionKey(prefix: "acs:resourcetag/"))
        #expect(PolicySet(sessionPolicy: tagged, identityPolicies: [F.allowAll]).mentionsConditionKey(prefix: "acs:ResourceTag/"))
        #expect(!PolicySet(identityPolicies: [F.allowAll, tagged]).mentionsConditionKey(prefix: "ecs:tag/"))
        #expect(!PolicySet(identityPolicies: [tagged], isRoot: true).mentionsConditionKey(prefix: "acs:ResourceTag/"))
    }
}
