import Testing
@testable import Policy

/// One row: text that is not a valid policy of `kind`, and the exact message that says why.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let kind: PolicyKind
    let message: String

    init(_ name: String, _ text: String, kind: PolicyKind = .identity, _ message: String) {
        self.name = name
        self.text = text
        self.kind = kind
        self.message = message
    }

    var testDescription: String { name }
}

@Suite("Malformed policy documents")
struct MalformedDocumentTests {
    /// A document with one statement: `{"Effect":"Allow","Action":"ecs:*","Resource":"*"` plus `extra`, closed.
    static func one(_ extra: String = "") -> String {
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"\#(extra)}]}"#
    }

    static func condition(_ block: String) -> String { one(#","Condition":\#(block)"#) }

    static let cases: [MalformedCase] = [
        .init("not JSON", "not json", #"invalid JSON: unexpected "o" at offset 1"#),
        .init("empty text", "", "invalid JSON: unexpected end of text"),
        .init("truncated JSON", #"{"Version":"1""#, "invalid JSON: unexpected end of text"),
        .init("trailing comma", #"{"Version":"1",}"#, #"invalid JSON: unexpected "}" at offset 15"#),
        .init("trailing text", one() + "x", #"invalid JSON: unexpected "x" at offset 80"#),
        .init("unpaired surrogate", #"{"Version":"\ud800"}"#, "invalid JSON: unpaired surrogate at offset 12"),
        .init("invalid escape", #"{"Version":"\x"}"#, "invalid JSON: invalid escape at offset 12"),
        .init("control character in a string", "{\"Version\":\"\u{01}\"}", "invalid JSON: control character in string at offset 12"),
        .init("leading zero", #"{"Version":01}"#, #"invalid JSON: unexpected "1" at offset 12"#),
        .init("duplicate key", #"{"Version":"1","Version":"1"}"#, #"invalid JSON: duplicate key "Version""#),
        .init("array at top level", #"[{"Version":"1"}]"#, "policy document must be a JSON object, found an array"),
        .init("unknown top-level key", #"{"Version":"1","Statement":[],"Id":"x"}"#, #"unknown top-level key "Id""#),
        .init("Version missing", #"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#, "missing Version"),
        .init("Version \"2\"", #"{"Version":"2","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#, #"Version must be the string "1", found "2""#),
        .init("Version as number 1", #"{"Version":1,"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#, #"Version must be the string "1", found number 1"#),
        .init("missing Statement", #"{"Version":"1"}"#, "missing Statement"),
        .init("empty Statement", #"{"Version":"1","Statement":[]}"#, "Statement must not be empty"),
        .init("Statement a string", #"{"Version":"1","Statement":"x"}"#, #"Statement must be an object or an array of objects, found "x""#),
        .init("statement not an object", #"{"Version":"1","Statement":[1]}"#, "Statement[0] must be an object, found number 1"),
        .init("missing Effect", #"{"Version":"1","Statement":[{"Action":"*","Resource":"*"}]}"#, "Statement[0]: missing Effect"),
        .init("Effect \"allow\"", #"{"Version":"1","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}"#, #"Statement[0]: Effect must be "Allow" or "Deny", found "allow""#),
        .init(
            "error names the statement index",
            #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#,
            #"Statement[1]: Effect must be "Allow" or "Deny", found "Maybe""#
        ),
        .init("both Action and NotAction", one(#","NotAction":"ram:*""#), "Statement[0]: both Action and NotAction are present"),
        .init("neither Action nor NotAction", #"{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}"#, "Statement[0]: missing Action or NotAction"),
        .init("empty Action array", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#, "Statement[0]: Action must not be an empty array"),
        .init("empty action string", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"","Resource":"*"}]}"#, "Statement[0]: Action must not contain an empty string"),
        .init("action without service", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"CreateKeyPair","Resource":"*"}]}"#, #"Statement[0]: Action "CreateKeyPair" is not "*" or "<service>:<action>""#),
        .init("action not a string", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:*",3],"Resource":"*"}]}"#, "Statement[0]: Action must contain only strings, found number 3"),
        .init("empty resource string", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":[""]}]}"#, "Statement[0]: Resource must not contain an empty string"),
        .init("Resource an object", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":{}}]}"#, "Statement[0]: Resource must be a string or an array of strings, found an object"),
        .init("NotResource", one(#","NotResource":"*""#), "Statement[0]: NotResource is not supported"),
        .init("NotPrincipal", one(#","NotPrincipal":{"RAM":"1"}"#), "Statement[0]: NotPrincipal is not supported"),
        .init("unknown statement key", one(#","Resources":"*""#), #"Statement[0]: unknown key "Resources""#),
        .init("Sid not a string", one(#","Sid":1"#), "Statement[0]: Sid must be a string, found number 1"),
        .init("Condition not an object", condition(#"[]"#), "Statement[0]: Condition must be an object, found an array"),
        .init("unknown operator", condition(#"{"StringEqualz":{"a:b":"c"}}"#), #"Statement[0]: unknown condition operator "StringEqualz""#),
        .init("operator name case", condition(#"{"stringequals":{"a:b":"c"}}"#), #"Statement[0]: unknown condition operator "stringequals""#),
        .init("ForAnyValue prefix", condition(#"{"ForAnyValue:StringEquals":{"a:b":"c"}}"#), #"Statement[0]: unknown condition operator "ForAnyValue:StringEquals""#),
        .init("ForAllValues prefix", condition(#"{"ForAllValues:StringLike":{"a:b":"c"}}"#), #"Statement[0]: unknown condition operator "ForAllValues:StringLike""#),
        .init("IfExists suffix", condition(#"{"StringEqualsIfExists":{"a:b":"c"}}"#), #"Statement[0]: unknown condition operator "StringEqualsIfExists""#),
        .init("Null operator", condition(#"{"Null":{"a:b":"true"}}"#), #"Statement[0]: unknown condition operator "Null""#),
        .init("operator maps to a string", condition(#"{"StringEquals":"x"}"#), #"Statement[0]: condition operator "StringEquals" must map to an object of keys, found "x""#),
        .init("operator without keys", condition(#"{"StringEquals":{}}"#), #"Statement[0]: condition operator "StringEquals" has no keys"#),
        .init("empty condition key", condition(#"{"StringEquals":{"":"x"}}"#), "Statement[0]: StringEquals: condition key must not be empty"),
        .init("empty value array", condition(#"{"StringEquals":{"a:b":[]}}"#), #"Statement[0]: StringEquals "a:b": values must not be an empty array"#),
        .init("null value", condition(#"{"StringEquals":{"a:b":null}}"#), #"Statement[0]: StringEquals "a:b": a value must be a string, number or boolean, found null"#),
        .init("nested value", condition(#"{"StringEquals":{"a:b":[["x"]]}}"#), #"Statement[0]: StringEquals "a:b": a value must be a string, number or boolean, found an array"#),
        .init("bad numeric value", condition(#"{"NumericLessThan":{"ecs:Count":"ten"}}"#), #"Statement[0]: NumericLessThan "ecs:Count": "ten" is not a number"#),
        .init("hex is not a number", condition(#"{"NumericEquals":{"ecs:Count":"0x10"}}"#), #"Statement[0]: NumericEquals "ecs:Count": "0x10" is not a number"#),
        .init("bad date", condition(#"{"DateLessThan":{"acs:CurrentTime":"yesterday"}}"#), #"Statement[0]: DateLessThan "acs:CurrentTime": "yesterday" is not an ISO 8601 date"#),
        .init("impossible date", condition(#"{"DateLessThan":{"acs:CurrentTime":"2026-02-30T00:00:00Z"}}"#), #"Statement[0]: DateLessThan "acs:CurrentTime": "2026-02-30T00:00:00Z" is not an ISO 8601 date"#),
        .init("date without zone", condition(#"{"DateLessThan":{"acs:CurrentTime":"2026-01-01T00:00:00"}}"#), #"Statement[0]: DateLessThan "acs:CurrentTime": "2026-01-01T00:00:00" is not an ISO 8601 date"#),
        .init("bad IP", condition(#"{"IpAddress":{"acs:SourceIp":"300.1.1.1"}}"#), #"Statement[0]: IpAddress "acs:SourceIp": "300.1.1.1" is not an IP address or CIDR block"#),
        .init("bad CIDR prefix", condition(#"{"NotIpAddress":{"acs:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}"#), #"Statement[0]: NotIpAddress "acs:SourceIp": "10.0.0.0/33" is not an IP address or CIDR block"#),
        .init("bad IPv6", condition(#"{"IpAddress":{"acs:SourceIp":"2001:db8:::1"}}"#), #"Statement[0]: IpAddress "acs:SourceIp": "2001:db8:::1" is not an IP address or CIDR block"#),
        .init("bad Bool value", condition(#"{"Bool":{"acs:MFAPresent":"yes"}}"#), #"Statement[0]: Bool "acs:MFAPresent": "yes" is not "true" or "false""#),
        .init("Bool given a number", condition(#"{"Bool":{"acs:MFAPresent":1}}"#), #"Statement[0]: Bool "acs:MFAPresent": "1" is not "true" or "false""#),
        .init("Resource missing in identity policy", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}"#, "Statement[0]: missing Resource"),
        .init("Resource missing in session policy", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}"#, kind: .session, "Statement[0]: missing Resource"),
        .init("Resource missing in control policy", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}"#, kind: .control, "Statement[0]: missing Resource"),
        .init("Principal in identity policy", one(#","Principal":{"RAM":"123"}"#), "Statement[0]: Principal is only allowed in trust policies"),
        .init("Principal in control policy", one(#","Principal":{"RAM":"123"}"#), kind: .control, "Statement[0]: Principal is only allowed in trust policies"),
        .init("missing Principal in trust policy", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#, kind: .trust, "Statement[0]: missing Principal"),
        .init("Principal \"*\"", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"}]}"#, kind: .trust, #"Statement[0]: Principal must be an object, found "*""#),
        .init("empty Principal", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{}}]}"#, kind: .trust, "Statement[0]: Principal must name RAM, Service or Federated"),
        .init("unknown Principal key", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"x"}}]}"#, kind: .trust, #"Statement[0]: unknown Principal key "AWS""#),
        .init("empty Principal list", #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":[]}}]}"#, kind: .trust, "Statement[0]: Principal.RAM must not be an empty array"),
        .init("too deep nesting", condition(#"{"StringEquals":{"a:b":[[[[[[[[[[[["x"]]]]]]]]]]]]}}"#), "invalid JSON: nested deeper than 16 levels"),
        .init("hostile nesting", String(repeating: "[", count: 60_000), "invalid JSON: nested deeper than 16 levels"),
        .init("oversized text", one() + String(repeating: " ", count: 65_536 - one().utf8.count + 1), "policy document is larger than 65536 bytes"),
    ]

    @Test("Each malformed document is refused with a message that says what is wrong", arguments: cases)
    func refused(_ row: MalformedCase) {
        #expect(throws: PolicyDocumentError(row.message)) {
            try PolicyDocument.parse(row.text, kind: row.kind)
        }
    }
}
