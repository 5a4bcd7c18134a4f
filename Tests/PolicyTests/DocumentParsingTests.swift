import Testing
@testable import Policy

@Suite("Valid policy documents")
struct DocumentParsingTests {
    @Test("A single string is the same as a one-element list")
    func singleValueIsOneElementList() throws {
        let single = try PolicyDocument.parse(
            #"{"Version":"1","Statement":{"Effect":"Allow","Action":"ecs:X","Resource":"*","Condition":{"Bool":{"a:b":"true"}}}}"#,
            kind: .identity
        )
        let list = try PolicyDocument.parse(
            #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:X"],"Resource":["*"],"Condition":{"Bool":{"a:b":["true"]}}}]}"#,
            kind: .identity
        )
        #expect(single == list)
    }

    @Test("Statements read into their elements")
    func elements() throws {
        let document = try PolicyDocument.parse(
            #"""
            {"Version":"1","Statement":[
              {"Sid":"s1","Effect":"Deny","NotAction":["ecs:Describe*","ram:Get*"],"Resource":["acs:ecs:*:*:keypair/*"],
               "Condition":{"NumericLessThan":{"ecs:Count":5},"Bool":{"acs:MFAPresent":true},"IpAddress":{"acs:SourceIp":["10.0.0.0/8","::1"]}}}
            ]}
            """#,
            kind: .control
        )
        let statement = try #require(document.statements.first)
        #expect(statement.sid == "s1")
        #expect(statement.effect == .deny)
        #expect(statement.actions == .notAction(["ecs:Describe*", "ram:Get*"]))
        #expect(statement.resources == ["acs:ecs:*:*:keypair/*"])
        #expect(statement.principal == nil)
        #expect(statement.conditions.map(\.operator) == [.numericLessThan, .bool, .ipAddress])
        #expect(statement.conditions.map(\.values) == [["5"], ["true"], ["10.0.0.0/8", "::1"]])
    }

    @Test("A trust policy reads its Principal and needs no Resource")
    func trustPrincipal() throws {
        let document = try PolicyDocument.parse(
            #"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::1:root"],"Service":"ecs.aliyuncs.com"}}],"Version":"1"}"#,
            kind: .trust
        )
        let statement = try #require(document.statements.first)
        #expect(statement.resources == nil)
        #expect(statement.principal == PolicyStatement.Principal(ram: ["acs:ram::1:root"], service: ["ecs.aliyuncs.com"], federated: []))
    }

    @Test("Accepted date, number and IP spellings", arguments: [
        #"{"DateEquals":{"k:t":["2012-11-11T23:59:59Z","2012-11-11T23:59:59.123Z","2012-11-11T23:59:59+08:00","2012-11-11","2024-02-29T00:00:00-05:30"]}}"#,
        #"{"NumericEquals":{"k:n":[-1,2.5,1e3,"7","-0.25"]}}"#,
        #"{"IpAddress":{"k:ip":["0.0.0.0/0","255.255.255.255","::","::/0","fe80::1","2001:db8::/32","::ffff:1.2.3.4","1:2:3:4:5:6:7:8"]}}"#,
    ])
    func acceptedValues(_ condition: String) throws {
        _ = try PolicyDocument.parse(MalformedDocumentTests.condition(condition), kind: .identity)
    }

    @Test("JSON strings decode escapes and non-ASCII text")
    func escapes() throws {
        let document = try PolicyDocument.parse(
            #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"acs:ecs:*:*:keypair/\u00e9t\u00E9-\ud83d\ude00-\"q\"-ü"}]}"#,
            kind: .identity
        )
        #expect(document.statements.first?.resources == ["acs:ecs:*:*:keypair/été-😀-\"q\"-ü"])
    }

    @Test("Text of exactly the byte limit still parses")
    func atTheLimit() throws {
        let text = MalformedDocumentTests.one()
        let padded = text + String(repeating: " ", count: PolicyDocument.maximumBytes - text.utf8.count)
        #expect(try PolicyDocument.parse(padded, kind: .identity).statements.count == 1)
    }

    @Test("Nesting of exactly the depth limit still parses")
    func atTheDepthLimit() throws {
        // Document, Statement array, statement, Condition, operator: 5 levels; 11 nested arrays reach 16.
        let deep = String(repeating: "[", count: 11) + "1" + String(repeating: "]", count: 11)
        let text = MalformedDocumentTests.condition(#"{"StringEquals":{"a:b":\#(deep)}}"#)
        #expect(throws: PolicyDocumentError(#"Statement[0]: StringEquals "a:b": a value must be a string, number or boolean, found an array"#)) {
            try PolicyDocument.parse(text, kind: .identity)
        }
    }
}
