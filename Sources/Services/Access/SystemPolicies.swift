import KeywardCore
import Policy

/// The built-in policies every account can attach, with their documents.
public struct SystemPolicies: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let description: String
        public let document: String
        let parsed: PolicyDocument
    }

    public let entries: [Entry]

    public init() {
        let table: [(String, String, String)] = [
            ("AdministratorAccess", "Provides full access to Alibaba Cloud services and resources.",
             #"{"Version":"1","Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}]}"#),
            ("AliyunECSFullAccess", "Provides full access to Elastic Compute Service (ECS) via Management Console.",
             #"{"Version":"1","Statement":[{"Action":"ecs:*","Resource":"*","Effect":"Allow"},{"Action":["vpc:DescribeVpcs","vpc:DescribeVSwitches"],"Resource":"*","Effect":"Allow"}]}"#),
            ("AliyunECSReadOnlyAccess", "Provides read-only access to Elastic Compute Service (ECS) via Management Console.",
             #"{"Version":"1","Statement":[{"Action":"ecs:Describe*","Resource":"*","Effect":"Allow"},{"Action":"ecs:List*","Resource":"*","Effect":"Allow"},{"Action":["vpc:DescribeVpcs","vpc:DescribeVSwitches"],"Resource":"*","Effect":"Allow"}]}"#),
            ("AliyunESSFullAccess", "Provides full access to Auto Scaling (ESS) via Management Console.",
             #"{"Version":"1","Statement":[{"Action":"ess:*","Resource":"*","Effect":"Allow"}]}"#),
            ("AliyunRAMFullAccess", "Provides full access to Resource Access Management (RAM).",
             #"{"Version":"1","Statement":[{"Action":"ram:*","Resource":"*","Effect":"Allow"}]}"#),
            ("AliyunRAMReadOnlyAccess", "Provides read-only access to Resource Access Management (RAM).",
             #"{"Version":"1","Statement":[{"Action":["ram:Get*","ram:List*"],"Resource":"*","Effect":"Allow"}]}"#),
            ("AliyunSTSAssumeRoleAccess", "Provides access to assume RAM roles through the Security Token Service (STS).",
             #"{"Version":"1","Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Resource":"*"}]}"#),
            ("AliyunResourceDirectoryFullAccess", "Provides full access to Resource Directory.",
             #"{"Version":"1","Statement":[{"Action":"resourcemanager:*","Effect":"Allow","Resource":"*"}]}"#),
            ("AliyunActionTrailFullAccess", "Provides full access to ActionTrail.",
             #"{"Version":"1","Statement":[{"Action":"actiontrail:*","Effect":"Allow","Resource":"*"}]}"#),
        ]
        entries = table.map { name, description, document in
            // The table is ours: a document that does not parse is a bug caught by the first test that runs.
            let parsed = try! PolicyDocument.parse(document, kind: .identity)
            return Entry(name: name, description: description, document: document, parsed: parsed)
        }
    }

    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The control policy that allows everything, attached to every node once control policies are enabled.
    static let fullAccessControlPolicyText = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
    static let fullAccessControlPolicy = try! PolicyDocument.parse(fullAccessControlPolicyText, kind: .control)
}
