import Policy

extension FuzzTarget {
    /// RAM policy documents of every kind; a document that parses is evaluated against a few requests, which must
    /// answer without crashing.
    static let policy = FuzzTarget(name: "policy", summary: "the RAM policy document parser and evaluator") { bytes in
        let kinds: [PolicyKind] = [.identity, .session, .control, .trust]
        let kind = kinds[Int(bytes.first ?? 0) % kinds.count]
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        guard let document = try? PolicyDocument.parse(text, kind: kind) else { return }
        let set = PolicySet(controlLevels: kind == .control ? [[document]] : [], identityPolicies: kind == .control ? [] : [document])
        for context in requests {
            _ = set.evaluate(context)
            _ = set.mayAllowSomeResource(context, resourceKeyPrefixes: ["keypair/"])
        }
        _ = set.mentionsConditionKey(prefix: "acs:")
    }

    private static let requests = [
        RequestContext(action: "ecs:CreateKeyPair", resources: ["acs:ecs:cn-hangzhou:1000000000000001:keypair/dev-1"],
                       conditionKeys: ["acs:SourceIp": ["192.168.1.7"], "acs:CurrentTime": ["2026-12-01T10:00:00Z"], "acs:SecureTransport": ["true"]]),
        RequestContext(action: "ecs:DescribeKeyPairs"),
        RequestContext(action: "ram:PassRole", resources: ["acs:ram::1000000000000001:role/ops"],
                       conditionKeys: ["acs:MFAPresent": ["false"], "ecs:tag/env": ["prod"], "acs:SourceIp": ["::1"]]),
    ]
}
