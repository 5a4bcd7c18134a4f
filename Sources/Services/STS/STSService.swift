import Foundation
import KeywardCore
import Policy
import Store

/// STS: AssumeRole hands out temporary credentials of a role; GetCallerIdentity says who is calling.
public struct STSService: Sendable {
    private let store: any Store
    private let sealer: SecretSealer

    public init(store: any Store, sealer: SecretSealer) {
        self.store = store
        self.sealer = sealer
    }

    /// What AssumeRole returns. The secret and token exist only in this value and the response.
    public struct Credentials: Sendable {
        public let accessKeyID: String
        public let secret: String
        public let securityToken: String
        public let expiration: Date
        public let roleARN: String
        public let assumedRoleARN: String
        public let assumedRoleID: String
    }

    /// AssumeRole's resource: the role, whichever account it is in.
    public static func assumeRoleOperation(roleARN: String) -> Operation {
        .write("sts:AssumeRole", [.arn(roleARN)])
    }

    public static let getCallerIdentityOperation = Operation.unrestricted("sts:GetCallerIdentity")

    public func assumeRole(
        _ call: AuthorizedCall, roleARN: String, sessionName: String, durationSeconds: Int?, sessionPolicy: String?
    ) async throws -> Credentials {
        try call.expect("sts:AssumeRole")
        guard let target = Self.parseRoleARN(roleARN) else { throw AccessError.invalidValue(parameter: "RoleArn", reason: "The parameter RoleArn is wrongly formed.") }
        do {
            try AccessNameRule.roleSessionName.check(sessionName)
        } catch {
            throw AccessError.invalidValue(parameter: "RoleSessionName", reason: "The parameter RoleSessionName is wrongly formed.")
        }
        if let sessionPolicy {
            guard !sessionPolicy.isEmpty, sessionPolicy.count <= RoleSession.sessionPolicyLimit else {
                throw AccessError.sessionPolicyTooLong(limit: RoleSession.sessionPolicyLimit)
            }
            do {
                _ = try PolicyDocument.parse(sessionPolicy, kind: .session)
            } catch {
                throw AccessError.malformedSessionPolicy(error.message)
            }
        }
        let principal = call.principal
        if principal.isRoot {
            throw AccessDenied(action: "sts:AssumeRole", principal: principal, kind: .implicitDeny, policyType: PolicyType.assumeRolePolicy.rawValue)
        }
        guard let role = try await store.read({ tx in try await tx.role(named: target.roleName, accountID: target.accountID) }) else {
            throw AccessError.notFound(.role, target.roleName)
        }
        let duration = durationSeconds ?? min(3600, role.maxSessionDuration)
        guard (RoleSession.minimumDuration...role.maxSessionDuration).contains(duration) else {
            throw AccessError.invalidValue(
                parameter: "DurationSeconds", reason: "The Min/Max value of DurationSeconds is \(RoleSession.minimumDuration)/\(role.maxSessionDuration) seconds."
            )
        }
        let trust: PolicyDocument
        do { trust = try PolicyDocument.parse(role.trustPolicy, kind: .trust) } catch { throw DomainError.internalFailure("stored trust policy: \(error)") }
        let context = RequestContext(action: "sts:AssumeRole", resources: [role.arn], conditionKeys: call.commonConditionKeys)
        guard trusts(trust, callerAccountID: principal.accountID, callerARN: principal.arn, context: context) else {
            throw AccessDenied(action: "sts:AssumeRole", principal: principal, kind: .implicitDeny, policyType: PolicyType.assumeRolePolicy.rawValue)
        }
        let now = Date()
        let accessKeyID = "STS." + RandomText.alphanumeric(count: 24)
        let secret = RandomText.alphanumeric(count: 40)
        let (token, hash) = SecurityToken.make(accessKeyID: accessKeyID)
        let session = RoleSession(
            accessKeyID: accessKeyID, accountID: role.accountID, roleName: role.name, roleID: role.id, sessionName: sessionName,
            sessionPolicy: sessionPolicy, tokenHash: hash, expiresAt: now.addingTimeInterval(TimeInterval(duration)), createdAt: now
        )
        let sealed = try sealer.seal(secret)
        call.note("change", "role \(role.arn) assumed as session \(sessionName)")
        call.note("accessKeyId", accessKeyID)
        try await call.write { tx in
            // Expired sessions are kept a day, so that their keys are refused as expired rather than unknown.
            try await tx.purgeRoleSessions(expiredBefore: now.addingTimeInterval(-86_400))
            try await tx.insertRoleSession(session, sealedSecret: sealed)
        }
        return Credentials(
            accessKeyID: accessKeyID, secret: secret, securityToken: token, expiration: session.expiresAt, roleARN: role.arn,
            assumedRoleARN: "acs:ram::\(role.accountID):role/\(role.name)/\(sessionName)", assumedRoleID: "\(role.id):\(sessionName)"
        )
    }

    /// `acs:ram::<account-id>:role/<role-name>`.
    static func parseRoleARN(_ arn: String) -> (accountID: String, roleName: String)? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "acs", parts[1] == "ram", parts[2].isEmpty, !parts[3].isEmpty, parts[3].allSatisfy(\.isNumber),
              parts[4].lowercased().hasPrefix("role/")
        else { return nil }
        let name = String(parts[4].dropFirst(5))
        guard (try? AccessNameRule.roleName.check(name)) != nil else { return nil }
        return (String(parts[3]), name)
    }
}
