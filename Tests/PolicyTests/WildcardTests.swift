import Testing
@testable import Policy

@Suite("Wildcards")
struct WildcardTests {
    @Test("Star, question mark and literals", arguments: [
        ("*", "", true),
        ("*", "anything", true),
        ("a*", "a", true),
        ("a*c", "abbbc", true),
        ("a*c", "abbbd", false),
        ("a?c", "abc", true),
        ("a?c", "ac", false),
        ("?", "", false),
        ("*?*", "x", true),
        ("a*b*c", "a-b-b-c", true),
        ("a*b*c", "a-c-b", false),
        ("exact", "exact", true),
        ("exact", "exactly", false),
        ("**", "", true),
        ("*.log", "a.log.gz", false),
    ])
    func matching(_ pattern: String, _ text: String, _ expected: Bool) {
        #expect(Wildcard.matches(pattern, text) == expected)
    }

    @Test("Case is ignored only when asked")
    func caseRules() {
        #expect(!Wildcard.matches("ecs:Create*", "ECS:createKeyPair"))
        #expect(Wildcard.matches("ecs:Create*", "ECS:createKeyPair", ignoringCase: true))
    }

    @Test("A pathological pattern against a long text finishes with the right answer")
    func pathological() {
        let pattern = String(repeating: "a*", count: 40) + "b"
        let text = String(repeating: "a", count: 20_000)
        #expect(!Wildcard.matches(pattern, text))
        #expect(Wildcard.matches(pattern, text + "b"))

        let resource = "acs:ecs:*:*:keypair/" + String(repeating: "a*", count: 40) + "b"
        let set = PolicySet(identityPolicies: [Fixture.allow("ecs:*", on: resource)])
        #expect(set.evaluate(.ecs("DeleteKeyPairs", ["acs:ecs:cn-hangzhou:1:keypair/" + text])) == .implicitDeny(.identityPolicy))
        #expect(set.evaluate(.ecs("DeleteKeyPairs", ["acs:ecs:cn-hangzhou:1:keypair/" + text + "b"])) == .allow)

        let like = Fixture.allowECS(when: #"{"StringLike":{"acs:UserAgent":"\#(pattern)"}}"#)
        #expect(PolicySet(identityPolicies: [like]).evaluate(.ecs("DescribeKeyPairs", keys: ["acs:UserAgent": [text]])) == .implicitDeny(.identityPolicy))
    }
}
