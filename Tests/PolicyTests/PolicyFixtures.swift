@testable import Policy

/// Documents and contexts shared by the suites. A fixture that does not parse stops the test at once.
enum Fixture {
    static func document(_ json: String, kind: PolicyKind = .identity) -> PolicyDocument {
        do {
            return try PolicyDocument.parse(json, kind: kind)
        } catch {
            fatalError("fixture does not parse: \(error.message)\n\(json)")
        }
    }

    /// `{"Version":"1","Statement":[…]}` around the given statement objects.
    static func statements(_ statements: String..., kind: PolicyKind = .identity) -> PolicyDocument {
        document(#"{"Version":"1","Statement":["# + statements.joined(separator: ",") + "]}", kind: kind)
    }

    static func allow(_ action: String, on resource: String = "*") -> PolicyDocument {
        statements(#"{"Effect":"Allow","Action":"\#(action)","Resource":"\#(resource)"}"#)
    }

    static func deny(_ action: String, on resource: String = "*") -> PolicyDocument {
        statements(#"{"Effect":"Deny","Action":"\#(action)","Resource":"\#(resource)"}"#)
    }

    /// Allows `ecs:*` on everything when `condition` (a JSON object) holds.
    static func allowECS(when condition: String) -> PolicyDocument {
        statements(#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":\#(condition)}"#)
    }

    static let allowAll = allow("*")
    static let allowECS = allow("ecs:*")

    /// The seed control policy: no launch or system-disk replacement that inherits the image's password.
    static let seedDeny = document(
        #"{"Version":"1","Statement":[{"Action":["ecs:RunInstances","ecs:CreateInstance","ecs:ReplaceSystemDisk"],"Resource":"*","Condition":{"Bool":{"ecs:PasswordInherit":["true"]}},"Effect":"Deny"}]}"#
    )
    static let seedAllow = document(#"{"Version":"1","Statement":[{"Action":"ecs:*","Resource":"*","Effect":"Allow"}]}"#)

    static let account = "1000000000000001"
    static func keyPair(_ name: String, account: String = account) -> String { "acs:ecs:cn-hangzhou:\(account):keypair/\(name)" }
    static func instance(_ id: String) -> String { "acs:ecs:cn-hangzhou:\(account):instance/\(id)" }
}

extension RequestContext {
    static func ecs(_ name: String, _ resources: [String] = [], keys: [String: [String]] = [:]) -> RequestContext {
        RequestContext(action: "ecs:\(name)", resources: resources, conditionKeys: keys)
    }
}
