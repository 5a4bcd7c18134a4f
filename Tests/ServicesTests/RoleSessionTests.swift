import Foundation
import KeywardCore
import Logging
import Services
import Store
import Testing

/// STS sessions end to end below the wire: AssumeRole through the door, then the temporary key's checks.
@Suite struct RoleSessionTests {
    static let account = CredentialService.defaultAccountID
    static let trust = #"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::1000000000000001:root"]}}],"Version":"1"}"#

    struct World {
        let store: SQLStore
        let credentials: CredentialService
        let gateway: AccessGateway
        let sts: STSService
        let alice: Principal
    }

    /// A store with root, a RAM user `alice` allowed to assume roles, and a role `deployer` that trusts the account.
    static func world() async throws -> World {
        let logger = Logger(label: "test")
        let store = try await SQLStore.sqlite(path: nil, logger: logger)
        let sealer = SecretSealer(key: .init(size: .bits256))
        let credentials = CredentialService(store: store, sealer: sealer)
        _ = try await credentials.ensureRootAccessKey(configured: ("rootAK", "rootSecret"))
        let now = Date()
        try await store.write { tx in
            try await tx.insertUser(RAMUser(id: "2000000000000001", name: "alice", displayName: "alice", createdAt: now, updatedAt: now), accountID: account)
            try await tx.attach(PolicyAttachment(policyName: "AliyunSTSAssumeRoleAccess", origin: .system, target: .user("alice"), attachedAt: now), accountID: account)
            try await tx.insertRole(RAMRole(
                id: "3000000000000000001", accountID: account, name: "deployer", description: "", trustPolicy: trust, maxSessionDuration: 7200,
                createdAt: now, updatedAt: now
            ))
        }
        let alice = Principal(accountID: account, identity: .user(name: "alice", id: "2000000000000001"), accessKeyID: "LTAIalice")
        return World(store: store, credentials: credentials, gateway: AccessGateway(store: store, logger: logger), sts: STSService(store: store, sealer: sealer),
                     alice: alice)
    }

    static func context(_ principal: Principal) -> CallContext {
        CallContext(principal: principal, sourceIP: "127.0.0.1", secureTransport: false, requestID: UUID().uuidString, regionID: "cn-hangzhou",
                    apiVersion: "2015-04-01", describeError: { error in ("\(error)", "") })
    }

    static func assume(_ world: World, as principal: Principal, duration: Int? = 900, policy: String? = nil) async throws -> STSService.Credentials {
        let arn = "acs:ram::\(account):role/deployer"
        return try await world.gateway.perform(STSService.assumeRoleOperation(roleARN: arn), context(principal)) {
            try await world.sts.assumeRole($0, roleARN: arn, sessionName: "ci-run", durationSeconds: duration, sessionPolicy: policy)
        }
    }

    @Test func theTemporaryKeyActsAsTheRoleSessionWithItsSecret() async throws {
        let world = try await Self.world()
        let issued = try await Self.assume(world, as: world.alice, policy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}"#)
        #expect(issued.accessKeyID.hasPrefix("STS."))
        let credential = try await world.credentials.authenticate(accessKeyID: issued.accessKeyID, securityToken: issued.securityToken)
        let principal = credential.principal
        #expect(credential.secret == issued.secret)
        #expect(credential.tokenRefusal == nil)
        #expect(principal.identity == .roleSession(roleName: "deployer", roleID: "3000000000000000001", sessionName: "ci-run"))
        #expect(principal.sessionPolicy?.contains("ecs:Describe*") == true)
    }

    @Test func eachBadTokenIsRefusedWithItsOwnReason() async throws {
        let world = try await Self.world()
        let first = try await Self.assume(world, as: world.alice)
        let second = try await Self.assume(world, as: world.alice)
        func refusal(_ id: String, _ token: String?, now: Date = Date()) async -> CredentialService.Refusal? {
            do {
                return try await world.credentials.authenticate(accessKeyID: id, securityToken: token, now: now).tokenRefusal
            } catch {
                return error as? CredentialService.Refusal
            }
        }
        #expect(await refusal(first.accessKeyID, nil) == .missingSecurityToken)
        #expect(await refusal(first.accessKeyID, "not-a-token") == .malformedSecurityToken)
        var tampered = Array(first.securityToken)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
        #expect(await refusal(first.accessKeyID, String(tampered)) == .malformedSecurityToken)
        #expect(await refusal(first.accessKeyID, second.securityToken) == .securityTokenMismatch)
        #expect(await refusal(first.accessKeyID, first.securityToken, now: first.expiration.addingTimeInterval(1)) == .securityTokenExpired)
        #expect(await refusal("STS.unknown", first.securityToken) == .unknownAccessKey)
        #expect(await refusal(first.accessKeyID, first.securityToken) == nil)
    }

    @Test func aSessionEndsWithItsRole() async throws {
        let world = try await Self.world()
        let issued = try await Self.assume(world, as: world.alice)
        try await world.store.write { tx in
            try await tx.deleteRole(named: "deployer", accountID: Self.account)
            let now = Date()
            try await tx.insertRole(RAMRole(
                id: "3000000000000000002", accountID: Self.account, name: "deployer", description: "", trustPolicy: Self.trust, maxSessionDuration: 3600,
                createdAt: now, updatedAt: now
            ))
        }
        await #expect(throws: CredentialService.Refusal.unknownAccessKey) {
            _ = try await world.credentials.authenticate(accessKeyID: issued.accessKeyID, securityToken: issued.securityToken)
        }
    }

    @Test func durationsOutsideNineHundredSecondsToTheRolesMaximumAreRefused() async throws {
        let world = try await Self.world()
        for duration in [899, 7201] {
            await #expect(throws: AccessError.self) { try await Self.assume(world, as: world.alice, duration: duration) }
        }
        let longest = try await Self.assume(world, as: world.alice, duration: 7200)
        #expect(abs(longest.expiration.timeIntervalSinceNow - 7200) < 60)
    }

    @Test func rootCannotAssumeARole() async throws {
        let world = try await Self.world()
        let root = Principal(accountID: Self.account, identity: .root, accessKeyID: "rootAK")
        await #expect(throws: AccessDenied.self) { try await Self.assume(world, as: root) }
    }

    @Test func aUserTheTrustPolicyDoesNotNameIsRefused() async throws {
        let world = try await Self.world()
        try await world.store.write { tx in
            var role = try #require(try await tx.role(named: "deployer", accountID: Self.account))
            role.trustPolicy = #"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::1000000000000001:user/bob"]}}],"Version":"1"}"#
            try await tx.updateRole(role)
        }
        do {
            _ = try await Self.assume(world, as: world.alice)
            Issue.record("alice assumed a role that trusts only bob")
        } catch let denial as AccessDenied {
            #expect(denial.policyType == "AssumeRolePolicy")
            #expect(denial.kind == .implicitDeny)
        }
    }
}
