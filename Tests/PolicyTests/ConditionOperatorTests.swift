import Testing
@testable import Policy

/// One row: an `ecs:*` Allow guarded by `condition`, and whether a request with `keys` is allowed.
struct ConditionCase: Sendable, CustomTestStringConvertible {
    let name: String
    let condition: String
    let keys: [String: [String]]
    let allowed: Bool

    init(_ name: String, _ condition: String, _ keys: [String: [String]], _ allowed: Bool) {
        self.name = name
        self.condition = condition
        self.keys = keys
        self.allowed = allowed
    }

    var testDescription: String { name }
}

@Suite("Condition operators")
struct ConditionOperatorTests {
    static let ua = "acs:UserAgent"
    static let now = ["acs:CurrentTime": ["2026-12-01T14:00:00Z"]]

    static let stringCases: [ConditionCase] = [
        .init("StringEquals matches", #"{"StringEquals":{"acs:UserAgent":"kw"}}"#, [ua: ["kw"]], true),
        .init("StringEquals is case-sensitive", #"{"StringEquals":{"acs:UserAgent":"kw"}}"#, [ua: ["KW"]], false),
        .init("StringEquals absent key", #"{"StringEquals":{"acs:UserAgent":"kw"}}"#, [:], false),
        .init("key names compare case-insensitively", #"{"StringEquals":{"acs:UserAgent":"kw"}}"#, ["ACS:useragent": ["kw"]], true),
        .init("two policy values are OR", #"{"StringEquals":{"acs:UserAgent":["a","kw"]}}"#, [ua: ["kw"]], true),
        .init("two request values: any may match", #"{"StringEquals":{"acs:UserAgent":"kw"}}"#, [ua: ["x", "kw"]], true),
        .init("StringNotEquals differs", #"{"StringNotEquals":{"acs:UserAgent":"kw"}}"#, [ua: ["other"]], true),
        .init("StringNotEquals equal", #"{"StringNotEquals":{"acs:UserAgent":"kw"}}"#, [ua: ["kw"]], false),
        .init("StringNotEquals absent key", #"{"StringNotEquals":{"acs:UserAgent":"kw"}}"#, [:], false),
        .init("StringNotEquals list hit", #"{"StringNotEquals":{"acs:UserAgent":["a","b"]}}"#, [ua: ["b"]], false),
        .init("StringNotEquals list miss", #"{"StringNotEquals":{"acs:UserAgent":["a","b"]}}"#, [ua: ["c"]], true),
        .init("StringEqualsIgnoreCase matches", #"{"StringEqualsIgnoreCase":{"acs:UserAgent":"KW"}}"#, [ua: ["kw"]], true),
        .init("StringEqualsIgnoreCase differs", #"{"StringEqualsIgnoreCase":{"acs:UserAgent":"KW"}}"#, [ua: ["kx"]], false),
        .init("StringEqualsIgnoreCase absent", #"{"StringEqualsIgnoreCase":{"acs:UserAgent":"KW"}}"#, [:], false),
        .init("StringNotEqualsIgnoreCase equal", #"{"StringNotEqualsIgnoreCase":{"acs:UserAgent":"KW"}}"#, [ua: ["kw"]], false),
        .init("StringNotEqualsIgnoreCase differs", #"{"StringNotEqualsIgnoreCase":{"acs:UserAgent":"KW"}}"#, [ua: ["zz"]], true),
        .init("StringNotEqualsIgnoreCase absent", #"{"StringNotEqualsIgnoreCase":{"acs:UserAgent":"KW"}}"#, [:], false),
        .init("StringLike star", #"{"StringLike":{"acs:UserAgent":"dev-*"}}"#, [ua: ["dev-1"]], true),
        .init("StringLike no match", #"{"StringLike":{"acs:UserAgent":"dev-*"}}"#, [ua: ["prod-1"]], false),
        .init("StringLike is case-sensitive", #"{"StringLike":{"acs:UserAgent":"dev-*"}}"#, [ua: ["Dev-1"]], false),
        .init("StringLike question mark is one character", #"{"StringLike":{"acs:UserAgent":"dev-?"}}"#, [ua: ["dev-12"]], false),
        .init("StringLike question mark", #"{"StringLike":{"acs:UserAgent":"dev-?"}}"#, [ua: ["dev-1"]], true),
        .init("StringLike absent", #"{"StringLike":{"acs:UserAgent":"*"}}"#, [:], false),
        .init("StringNotLike miss", #"{"StringNotLike":{"acs:UserAgent":"prod-*"}}"#, [ua: ["dev-1"]], true),
        .init("StringNotLike hit", #"{"StringNotLike":{"acs:UserAgent":"prod-*"}}"#, [ua: ["prod-1"]], false),
        .init("StringNotLike absent", #"{"StringNotLike":{"acs:UserAgent":"prod-*"}}"#, [:], false),
    ]

    static let numericCases: [ConditionCase] = [
        .init("NumericEquals JSON number", #"{"NumericEquals":{"ecs:Count":10}}"#, ["ecs:Count": ["10"]], true),
        .init("NumericEquals compares values, not text", #"{"NumericEquals":{"ecs:Count":"10"}}"#, ["ecs:Count": ["10.0"]], true),
        .init("NumericEquals differs", #"{"NumericEquals":{"ecs:Count":10}}"#, ["ecs:Count": ["11"]], false),
        .init("NumericEquals absent", #"{"NumericEquals":{"ecs:Count":10}}"#, [:], false),
        .init("NumericEquals request not a number", #"{"NumericEquals":{"ecs:Count":10}}"#, ["ecs:Count": ["ten"]], false),
        .init("NumericNotEquals differs", #"{"NumericNotEquals":{"ecs:Count":10}}"#, ["ecs:Count": ["11"]], true),
        .init("NumericNotEquals equal", #"{"NumericNotEquals":{"ecs:Count":10}}"#, ["ecs:Count": ["10"]], false),
        .init("NumericNotEquals absent", #"{"NumericNotEquals":{"ecs:Count":10}}"#, [:], false),
        .init("NumericLessThan below", #"{"NumericLessThan":{"ecs:Count":10}}"#, ["ecs:Count": ["9"]], true),
        .init("NumericLessThan equal", #"{"NumericLessThan":{"ecs:Count":10}}"#, ["ecs:Count": ["10"]], false),
        .init("NumericLessThanEquals equal", #"{"NumericLessThanEquals":{"ecs:Count":10}}"#, ["ecs:Count": ["10"]], true),
        .init("NumericLessThanEquals above", #"{"NumericLessThanEquals":{"ecs:Count":10}}"#, ["ecs:Count": ["11"]], false),
        .init("NumericGreaterThan above", #"{"NumericGreaterThan":{"ecs:Count":"10"}}"#, ["ecs:Count": ["11"]], true),
        .init("NumericGreaterThan equal", #"{"NumericGreaterThan":{"ecs:Count":"10"}}"#, ["ecs:Count": ["10"]], false),
        .init("NumericGreaterThanEquals equal", #"{"NumericGreaterThanEquals":{"ecs:Count":1e1}}"#, ["ecs:Count": ["10"]], true),
        .init("NumericGreaterThanEquals below", #"{"NumericGreaterThanEquals":{"ecs:Count":10}}"#, ["ecs:Count": ["9.5"]], false),
    ]

    static let dateCases: [ConditionCase] = [
        .init("DateLessThan before", #"{"DateLessThan":{"acs:CurrentTime":"2026-12-31T23:59:59Z"}}"#, now, true),
        .init("DateLessThan after", #"{"DateLessThan":{"acs:CurrentTime":"2026-12-01T14:00:00Z"}}"#, now, false),
        .init("DateLessThanEquals same instant, other offset", #"{"DateLessThanEquals":{"acs:CurrentTime":"2026-12-01T22:00:00+08:00"}}"#, now, true),
        .init("DateLessThanEquals after", #"{"DateLessThanEquals":{"acs:CurrentTime":"2026-12-01T13:59:59Z"}}"#, now, false),
        .init("DateEquals with fractional seconds", #"{"DateEquals":{"acs:CurrentTime":"2026-12-01T14:00:00.000Z"}}"#, now, true),
        .init("DateEquals differs", #"{"DateEquals":{"acs:CurrentTime":"2026-12-01T14:00:01Z"}}"#, now, false),
        .init("DateNotEquals differs", #"{"DateNotEquals":{"acs:CurrentTime":"2026-12-01T14:00:01Z"}}"#, now, true),
        .init("DateNotEquals same", #"{"DateNotEquals":{"acs:CurrentTime":"2026-12-01T14:00:00Z"}}"#, now, false),
        .init("DateNotEquals absent", #"{"DateNotEquals":{"acs:CurrentTime":"2026-12-01T14:00:01Z"}}"#, [:], false),
        .init("DateGreaterThan plain date", #"{"DateGreaterThan":{"acs:CurrentTime":"2026-01-01"}}"#, now, true),
        .init("DateGreaterThan later bound", #"{"DateGreaterThan":{"acs:CurrentTime":"2026-12-02"}}"#, now, false),
        .init("DateGreaterThanEquals same", #"{"DateGreaterThanEquals":{"acs:CurrentTime":"2026-12-01T14:00:00Z"}}"#, now, true),
        .init("DateGreaterThanEquals before", #"{"DateGreaterThanEquals":{"acs:CurrentTime":"2026-12-01T14:00:00.5Z"}}"#, now, false),
        .init("request in epoch seconds", #"{"DateGreaterThan":{"acs:CurrentTime":"2026-12-01T13:59:59Z"}}"#, ["acs:CurrentTime": ["1796133600"]], true),
        .init("request with offset", #"{"DateEquals":{"acs:CurrentTime":"2026-12-01T14:00:00Z"}}"#, ["acs:CurrentTime": ["2026-12-01T09:00:00-05:00"]], true),
        .init("DateLessThan absent", #"{"DateLessThan":{"acs:CurrentTime":"2030-01-01"}}"#, [:], false),
    ]

    static let boolCases: [ConditionCase] = [
        .init("Bool true", #"{"Bool":{"acs:SecureTransport":"true"}}"#, ["acs:SecureTransport": ["true"]], true),
        .init("Bool ignores case", #"{"Bool":{"acs:SecureTransport":"true"}}"#, ["acs:SecureTransport": ["TRUE"]], true),
        .init("Bool mismatch", #"{"Bool":{"acs:SecureTransport":"true"}}"#, ["acs:SecureTransport": ["false"]], false),
        .init("Bool JSON boolean", #"{"Bool":{"acs:SecureTransport":true}}"#, ["acs:SecureTransport": ["true"]], true),
        .init("Bool false", #"{"Bool":{"acs:SecureTransport":"False"}}"#, ["acs:SecureTransport": ["false"]], true),
        .init("Bool absent", #"{"Bool":{"acs:SecureTransport":"false"}}"#, [:], false),
        .init("Bool request not a boolean", #"{"Bool":{"acs:SecureTransport":"false"}}"#, ["acs:SecureTransport": ["no"]], false),
    ]

    static let ipCases: [ConditionCase] = [
        .init("IpAddress in CIDR", #"{"IpAddress":{"acs:SourceIp":"192.168.0.0/16"}}"#, ["acs:SourceIp": ["192.168.3.4"]], true),
        .init("IpAddress outside CIDR", #"{"IpAddress":{"acs:SourceIp":"192.168.0.0/16"}}"#, ["acs:SourceIp": ["10.0.0.1"]], false),
        .init("IpAddress plain address", #"{"IpAddress":{"acs:SourceIp":"127.0.0.1"}}"#, ["acs:SourceIp": ["127.0.0.1"]], true),
        .init("IpAddress plain address differs", #"{"IpAddress":{"acs:SourceIp":"127.0.0.1"}}"#, ["acs:SourceIp": ["127.0.0.2"]], false),
        .init("IpAddress list", #"{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","127.0.0.1"]}}"#, ["acs:SourceIp": ["127.0.0.1"]], true),
        .init("IpAddress /0", #"{"IpAddress":{"acs:SourceIp":"0.0.0.0/0"}}"#, ["acs:SourceIp": ["203.0.113.9"]], true),
        .init("IpAddress host bits in CIDR", #"{"IpAddress":{"acs:SourceIp":"10.1.2.3/8"}}"#, ["acs:SourceIp": ["10.200.0.1"]], true),
        .init("IpAddress /31 edge", #"{"IpAddress":{"acs:SourceIp":"192.0.2.4/31"}}"#, ["acs:SourceIp": ["192.0.2.6"]], false),
        .init("IpAddress IPv6 CIDR", #"{"IpAddress":{"acs:SourceIp":"2001:db8::/32"}}"#, ["acs:SourceIp": ["2001:db8::1"]], true),
        .init("IpAddress IPv6 outside", #"{"IpAddress":{"acs:SourceIp":"2001:db8::/32"}}"#, ["acs:SourceIp": ["2001:db9::1"]], false),
        .init("IpAddress IPv6 loopback", #"{"IpAddress":{"acs:SourceIp":"::1"}}"#, ["acs:SourceIp": ["0:0:0:0:0:0:0:1"]], true),
        .init("IPv4-mapped request meets IPv4 rule", #"{"IpAddress":{"acs:SourceIp":"192.168.0.0/16"}}"#, ["acs:SourceIp": ["::ffff:192.168.1.1"]], true),
        .init("IPv4-mapped rule meets IPv4 request", #"{"IpAddress":{"acs:SourceIp":"::ffff:10.0.0.0/104"}}"#, ["acs:SourceIp": ["10.9.9.9"]], true),
        .init("IPv4 rule never meets IPv6 request", #"{"IpAddress":{"acs:SourceIp":"0.0.0.0/0"}}"#, ["acs:SourceIp": ["::1"]], false),
        .init("IpAddress absent", #"{"IpAddress":{"acs:SourceIp":"0.0.0.0/0"}}"#, [:], false),
        .init("IpAddress request not an address", #"{"IpAddress":{"acs:SourceIp":"0.0.0.0/0"}}"#, ["acs:SourceIp": ["localhost"]], false),
        .init("NotIpAddress outside", #"{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#, ["acs:SourceIp": ["127.0.0.1"]], true),
        .init("NotIpAddress inside", #"{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#, ["acs:SourceIp": ["10.1.2.3"]], false),
        .init("NotIpAddress list inside one", #"{"NotIpAddress":{"acs:SourceIp":["10.0.0.0/8","127.0.0.1"]}}"#, ["acs:SourceIp": ["127.0.0.1"]], false),
        .init("NotIpAddress absent", #"{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#, [:], false),
    ]

    static let logicCases: [ConditionCase] = [
        .init("two keys under one operator: both hold", #"{"StringEquals":{"acs:UserAgent":"kw","ecs:Zone":"a"}}"#, [ua: ["kw"], "ecs:Zone": ["a"]], true),
        .init("two keys under one operator: one fails", #"{"StringEquals":{"acs:UserAgent":"kw","ecs:Zone":"a"}}"#, [ua: ["kw"], "ecs:Zone": ["b"]], false),
        .init("two keys under one operator: one absent", #"{"StringEquals":{"acs:UserAgent":"kw","ecs:Zone":"a"}}"#, [ua: ["kw"]], false),
        .init("two operators: both hold", #"{"StringEquals":{"acs:UserAgent":"kw"},"IpAddress":{"acs:SourceIp":"127.0.0.0/8"}}"#, [ua: ["kw"], "acs:SourceIp": ["127.0.0.1"]], true),
        .init("two operators: one fails", #"{"StringEquals":{"acs:UserAgent":"kw"},"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#, [ua: ["kw"], "acs:SourceIp": ["127.0.0.1"]], false),
        .init("two values: second matches", #"{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","127.0.0.0/8"]}}"#, ["acs:SourceIp": ["127.0.0.1"]], true),
        .init("two values: neither matches", #"{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","172.16.0.0/12"]}}"#, ["acs:SourceIp": ["127.0.0.1"]], false),
        .init("empty Condition block holds", #"{}"#, [:], true),
    ]

    static func decide(_ row: ConditionCase) -> Decision {
        PolicySet(identityPolicies: [Fixture.allowECS(when: row.condition)]).evaluate(.ecs("DescribeKeyPairs", keys: row.keys))
    }

    @Test("String operators", arguments: stringCases)
    func stringOperators(_ row: ConditionCase) {
        #expect(Self.decide(row) == (row.allowed ? .allow : .implicitDeny(.identityPolicy)))
    }

    @Test("Numeric operators", arguments: numericCases)
    func numericOperators(_ row: ConditionCase) {
        #expect(Self.decide(row) == (row.allowed ? .allow : .implicitDeny(.identityPolicy)))
    }

    @Test("Date operators around acs:CurrentTime", arguments: dateCases)
    func dateOperators(_ row: ConditionCase) {
        #expect(Self.decide(row) == (row.allowed ? .allow : .implicitDeny(.identityPolicy)))
    }

    @Test("Bool operator", arguments: boolCases)
    func boolOperator(_ row: ConditionCase) {
        #expect(Self.decide(row) == (row.allowed ? .allow : .implicitDeny(.identityPolicy)))
    }

    @Test("IP operators", arguments: ipCases)
    func ipOperators(_ row: ConditionCase) {
        #expect(Self.decide(row) == (row.allowed ? .allow : .implicitDeny(.identityPolicy)))
    }

    @Test("AND across keys and operators, OR across values", arguments: logicCases)
    func conditionLogic(_ row: ConditionCase) {
        #expect(Self.decide(row) == (row.allowed ? .allow : .implicitDeny(.identityPolicy)))
    }

    @Test("A negated operator on an absent key does not trigger a Deny")
    func negatedDenyOnAbsentKey() {
        let deny = Fixture.statements(#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}"#)
        let set = PolicySet(identityPolicies: [Fixture.allowAll, deny])
        #expect(set.evaluate(.ecs("DescribeKeyPairs")) == .allow)
        #expect(set.evaluate(.ecs("DescribeKeyPairs", keys: ["acs:SourceIp": ["127.0.0.1"]])) == .explicitDeny(.identityPolicy))
        #expect(set.evaluate(.ecs("DescribeKeyPairs", keys: ["acs:SourceIp": ["10.0.0.1"]])) == .allow)
    }
}
