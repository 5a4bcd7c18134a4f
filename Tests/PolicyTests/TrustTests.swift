import Testing
@testable import Policy

/// One row: a trust policy, a caller, and whether it may assume the role.
struct TrustCase: Sendable, CustomTestStringConvertible {
    let name: String
    let trust: String
    let account: String
    let arn: String
    let keys: [String: [String]]
    let trusted: Bool

    init(_ name: String, _ trust: String, account: String = "123", _ arn: String, keys: [String: [String]] = [:], _ trusted: Bool) {
        self.name = name
        self.trust = trust
        self.account = account
        self.arn = arn
        self.keys = keys
        self.trusted = trusted
    }

    var testDescription: String { name }
}

@Suite("Trust policies")
struct TrustTests {
    static func trust(_ principal: String, effect: String = "Allow", action: String = "sts:AssumeRole", extra: String = "") -> String {
        #"{"Effect":"\#(effect)","Action":"\#(action)","Principal":\#(principal)\#(extra)}"#
    }

    static func document(_ statements: String...) -> String {
        #"{"Version":"1","Statement":["# + statements.joined(separator: ",") + "]}"
    }

    static let accountRoot = document(trust(#"{"RAM":["acs:ram::123:root"]}"#))
    static let alice = "acs:ram::123:user/alice"

    static let cases: [TrustCase] = [
        .init("account root trusts its users", accountRoot, alice, true),
        .init("account root trusts its roles", accountRoot, "acs:ram::123:role/ops", true),
        .init("account root does not trust another account", accountRoot, account: "456", "acs:ram::456:user/alice", false),
        .init("bare account id", document(trust(#"{"RAM":"123"}"#)), alice, true),
        .init("one user: that user", document(trust(#"{"RAM":"acs:ram::123:user/alice"}"#)), alice, true),
        .init("one user: another user", document(trust(#"{"RAM":"acs:ram::123:user/alice"}"#)), "acs:ram::123:user/bob", false),
        .init("acs:ram:: prefix compares case-insensitively", document(trust(#"{"RAM":"ACS:RAM::123:user/alice"}"#)), alice, true),
        .init("user name compares exactly", document(trust(#"{"RAM":"acs:ram::123:user/Alice"}"#)), alice, false),
        .init("pattern over roles", document(trust(#"{"RAM":"acs:ram::123:role/*"}"#)), "acs:ram::123:role/ops", true),
        .init("pattern over roles skips users", document(trust(#"{"RAM":"acs:ram::123:role/*"}"#)), alice, false),
        .init("pattern over accounts", document(trust(#"{"RAM":"acs:ram::*:root"}"#)), account: "789", "acs:ram::789:user/x", true),
        .init("service principal", document(trust(#"{"Service":["ecs.aliyuncs.com"]}"#)), "service:ecs.aliyuncs.com", true),
        .init("another service", document(trust(#"{"Service":["ecs.aliyuncs.com"]}"#)), "service:fc.aliyuncs.com", false),
        .init("a service trust does not trust RAM users", document(trust(#"{"Service":["ecs.aliyuncs.com"]}"#)), alice, false),
        .init("an account trust does not trust services", accountRoot, "service:ecs.aliyuncs.com", false),
        .init("federated principal", document(trust(#"{"Federated":"acs:ram::123:saml-provider/idp"}"#)), "acs:ram::123:saml-provider/idp", true),
        .init(
            "a Deny for the caller wins",
            document(trust(#"{"RAM":"acs:ram::123:root"}"#), trust(#"{"RAM":"acs:ram::123:user/bob"}"#, effect: "Deny")),
            "acs:ram::123:user/bob",
            false
        ),
        .init(
            "a Deny for someone else leaves the caller",
            document(trust(#"{"RAM":"acs:ram::123:root"}"#), trust(#"{"RAM":"acs:ram::123:user/bob"}"#, effect: "Deny")),
            alice,
            true
        ),
        .init("statement for another action", document(trust(#"{"RAM":"123"}"#, action: "sts:GetCallerIdentity")), alice, false),
        .init("action wildcard", document(trust(#"{"RAM":"123"}"#, action: "sts:*")), alice, true),
        .init(
            "condition holds",
            document(trust(#"{"RAM":"123"}"#, extra: #","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#)),
            alice,
            keys: ["acs:SourceIp": ["10.1.1.1"]],
            true
        ),
        .init(
            "condition fails",
            document(trust(#"{"RAM":"123"}"#, extra: #","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#)),
            alice,
            keys: ["acs:SourceIp": ["127.0.0.1"]],
            false
        ),
        .init("a Resource element is tolerated", document(trust(#"{"RAM":"123"}"#, extra: #","Resource":"*""#)), alice, true),
    ]

    @Test("trusts() names the callers a role's trust policy lets in", arguments: cases)
    func trustsCaller(_ row: TrustCase) {
        let trust = Fixture.document(row.trust, kind: .trust)
        let context = RequestContext(action: "sts:AssumeRole", conditionKeys: row.keys)
        #expect(trusts(trust, callerAccountID: row.account, callerARN: row.arn, context: context) == row.trusted)
    }
}
