import Foundation
import KeywardCore
import Services

/// STS 2015-04-01: AssumeRole and GetCallerIdentity.
public struct STSActions: Sendable {
    public static let version = "2015-04-01"

    let sts: STSService

    public init(sts: STSService) {
        self.sts = sts
    }

    public func register(into routes: inout RPCRoutes) {
        let sts = self.sts
        routes.add(version: Self.version, action: "AssumeRole") { call in
            let p = call.parameters
            let roleARN = try p.required("RoleArn")
            let sessionName = try p.required("RoleSessionName")
            let duration = try RAMActions.optionalInt(p, "DurationSeconds")
            let policy = p.optional("Policy")
            let credentials = try await call.perform(STSService.assumeRoleOperation(roleARN: roleARN)) {
                try await sts.assumeRole($0, roleARN: roleARN, sessionName: sessionName, durationSeconds: duration, sessionPolicy: policy)
            }
            return [
                ("Credentials", .object([
                    ("AccessKeyId", .string(credentials.accessKeyID)),
                    ("AccessKeySecret", .string(credentials.secret)),
                    ("SecurityToken", .string(credentials.securityToken)),
                    ("Expiration", .string(RAMActions.time(credentials.expiration))),
                ])),
                ("AssumedRoleUser", .object([("Arn", .string(credentials.assumedRoleARN)), ("AssumedRoleId", .string(credentials.assumedRoleID))])),
            ]
        }
        routes.add(version: Self.version, action: "GetCallerIdentity") { call in
            let principal = try await call.perform(STSService.getCallerIdentityOperation) { $0.principal }
            var members: [(String, JSONValue)] = [("AccountId", .string(principal.accountID)), ("Arn", .string(principal.arn))]
            switch principal.identity {
            case .root:
                members += [("IdentityType", .string("Account")), ("PrincipalId", .string(principal.accountID))]
            case .user(_, let id):
                members += [("IdentityType", .string("RAMUser")), ("PrincipalId", .string(id)), ("UserId", .string(id))]
            case .roleSession(_, let roleID, let session):
                members += [("IdentityType", .string("AssumedRoleUser")), ("PrincipalId", .string("\(roleID):\(session)")), ("RoleId", .string(roleID))]
            }
            return members
        }
    }
}
