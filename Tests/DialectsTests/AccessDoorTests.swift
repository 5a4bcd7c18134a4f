import Dialects
import DialectWire
import Foundation
import Instances
import KeywardCore
import Logging
import Services
import Store
import Testing

/// The access door seen from the wire: every registered action of the dialect passes it.
@Suite struct AccessDoorTests {
    struct Harness {
        let dialect: AlibabaRPCDialect
        let routes: RPCRoutes
        let tencent: TencentCloudDialect
        let tencentActions: [String]
        let store: any Store
    }

    static let rootKey = ("rootAK", "rootSecret-0123456789abcdefghij")
    static let userKey = ("LTAIuserWithoutPolicies", "userSecret-0123456789abcdefghij")

    /// A server's routes over an in-memory store, with root's key and a RAM user (no policies) and its key.
    static func harness() async throws -> Harness {
        let logger = Logger(label: "test")
        let store = try await SQLStore.sqlite(path: nil, logger: logger)
        let sealer = SecretSealer(key: .init(size: .bits256))
        let credentials = CredentialService(store: store, sealer: sealer)
        _ = try await credentials.ensureRootAccessKey(configured: rootKey)
        let sealed = try sealer.seal(userKey.1)
        try await store.write { tx in
            let now = Date()
            try await tx.insertUser(RAMUser(id: "2000000000000001", name: "nobody", displayName: "nobody", createdAt: now, updatedAt: now),
                                    accountID: CredentialService.defaultAccountID)
            try await tx.insertAccessKey(
                AccessKey(id: userKey.0, accountID: CredentialService.defaultAccountID, userName: "nobody", status: .active), sealedSecret: sealed, createdAt: now
            )
        }
        let regions = RegionCatalog.standard
        let driver = SimulatedDriver()
        let instances = InstanceService(store: store, driver: driver, regions: regions, logger: logger)
        let images = ImageService(store: store, driver: driver, regions: regions, logger: logger)
        let gateway = AccessGateway(store: store, logger: logger)
        let routes = RPCRoutes.alibaba(AlibabaServices(
            keyPairs: KeyPairService(store: store, regions: regions, logger: logger),
            instances: instances,
            images: images,
            agents: AgentService(store: store, regions: regions, logger: logger),
            ram: RAMService(store: store, sealer: sealer, logger: logger), sts: STSService(store: store, sealer: sealer),
            directory: DirectoryService(store: store), audit: AuditService(store: store),
            scaling: AutoScalingService(
                store: store, regions: regions, images: images,
                runner: ScalingActivityRunner(store: store, instances: instances, gateway: gateway, logger: logger, describeError: { _ in ("E", "e") }),
                logger: logger
            ),
            regions: regions
        ))
        let dialect = AlibabaRPCDialect(
            routes: routes, credentials: credentials, gateway: gateway,
            defaultRegionID: regions.defaultRegionID, logger: logger
        )
        let handlers = TencentCloudDialect.cvm(
            keyPairs: KeyPairService(store: store, regions: regions, logger: logger),
            instances: InstanceService(store: store, driver: driver, regions: regions, logger: logger),
            images: ImageService(store: store, driver: driver, regions: regions, logger: logger), regions: regions
        )
        let tencent = TencentCloudDialect(handlers: handlers, credentials: credentials, gateway: gateway, logger: logger)
        return Harness(dialect: dialect, routes: routes, tencent: tencent, tencentActions: handlers.keys.sorted(), store: store)
    }

    /// Parameters that satisfy every action's required ones, so that each call reaches the door.
    static let anyParameters: [String: String] = [
        "RegionId": "cn-hangzhou", "KeyPairName": "k1", "PublicKeyBody": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnJ9a0q1d0n1G8m6xSxM1tqvVXo1MGBfVu7LNgPwU8Y",
        "KeyPairNames": #"["k1"]"#, "InstanceId": "i-0000000000000000000x", "InstanceIds": #"["i-0000000000000000000x"]"#, "InstanceId.1": "i-0000000000000000000x",
        "ImageId": "debian_12_x64_keyward.vhd", "InstanceType": "ecs.g7.large", "ResourceType": "keypair", "ResourceId.1": "k1", "Tag.1.Key": "k",
        "Tag.1.Value": "v", "TagKey.1": "k", "UserName": "someone", "GroupName": "g1", "RoleName": "r1", "PolicyName": "p1", "PolicyType": "Custom",
        "PolicyDocument": #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        "AssumeRolePolicyDocument": #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1000000000000001:root"]}}]}"#,
        "UserAccessKeyId": "LTAIsomething", "Status": "Active", "VersionId": "v1", "AccountAlias": "some-alias", "Password": "Passw0rd!Passw0rd",
        "RoleArn": "acs:ram::1000000000000001:role/r1", "RoleSessionName": "session", "EnableMode": "CurrentAccount", "FolderName": "f1",
        "DisplayName": "member-1", "AccountId": "1000000000000002", "PolicyId": "cp-x", "TargetId": "r-x", "EffectScope": "RAM",
        "StartTime": "2026-01-01T00:00:00Z", "ScalingGroupId": "asg-x", "MinSize": "0", "MaxSize": "1", "ScalingConfigurationId": "asc-x",
        "AdjustmentType": "QuantityChangeInCapacity", "AdjustmentValue": "1", "ScalingRuleAri": "ari:acs:ess:cn-hangzhou:1:scalingrule/asr-x",
        "InstanceIds.1": "i-0000000000000000000x", "ProtectedFromScaleIn": "true",
    ]

    static func signedRequest(version: String, action: String, key: (String, String), extra: [String: String] = anyParameters) -> HTTPRequestMessage {
        var parameters = extra
        parameters["Action"] = action
        parameters["Version"] = version
        parameters["AccessKeyId"] = key.0
        parameters["SignatureMethod"] = "HMAC-SHA1"
        parameters["SignatureVersion"] = "1.0"
        parameters["SignatureNonce"] = UUID().uuidString
        parameters["Timestamp"] = ISO8601DateFormatter().string(from: Date())
        parameters["Format"] = "JSON"
        let pairs = parameters.map { (name: $0.key, value: $0.value) }
        let signature = AlibabaSignature.v1Signature(stringToSign: AlibabaSignature.v1StringToSign(method: "POST", parameters: pairs), secret: key.1)
        let query = (pairs + [(name: "Signature", value: signature)]).map { PercentEncoding.rfc3986($0.name) + "=" + PercentEncoding.rfc3986($0.value) }
        return HTTPRequestMessage(
            method: "POST", path: "/", rawQuery: query.joined(separator: "&"), headers: [("host", "127.0.0.1")], body: [], remoteAddress: "127.0.0.1"
        )
    }

    static func body(_ response: HTTPResponseMessage) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func aRAMUserWithoutPoliciesIsRefusedEveryRegisteredActionButGetCallerIdentity() async throws {
        let harness = try await Self.harness()
        let registered = harness.routes.registered
        #expect(registered.count > 80)
        for (version, action) in registered {
            // `Status` means an instance status to DescribeInstances and an AccessKey status to UpdateAccessKey.
            let parameters = action == "DescribeInstances" ? Self.anyParameters.filter { $0.key != "Status" } : Self.anyParameters
            let response = await harness.dialect.handle(Self.signedRequest(version: version, action: action, key: Self.userKey, extra: parameters))
            let body = try Self.body(response)
            if action == "GetCallerIdentity" {
                #expect(response.status == 200, "GetCallerIdentity needs no permission")
                continue
            }
            let expected = switch version {
            case ECSKeyPairActions.version: "Forbidden.RAM"
            case ESSActions.legacyVersion, ESSActions.version: "Forbidden.Unauthorized"
            default: "NoPermission"
            }
            #expect(response.status == 403, "\(version) \(action): \(body["Code"] ?? "-")")
            #expect(body["Code"] as? String == expected, "\(version) \(action)")
            let detail = body["AccessDeniedDetail"] as? [String: Any]
            #expect(detail?["NoPermissionType"] as? String == "ImplicitDeny", "\(version) \(action)")
            #expect(detail?["AuthPrincipalType"] as? String == "SubUser", "\(version) \(action)")
            #expect((detail?["AuthAction"] as? String)?.hasSuffix(":" + action) == true, "\(version) \(action)")
        }
    }

    /// A TC3-signed CVM request, as tencentcloud-sdk-python sends it.
    static func tc3Request(action: String, body: String, key: (String, String)) -> HTTPRequestMessage {
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let date = formatter.string(from: Date())
        let headers = ["content-type": "application/json", "host": "127.0.0.1:8080"]
        let canonical = TencentSignature.tc3CanonicalRequest(
            method: "POST", path: "/", rawQuery: "", signedHeaders: ["content-type", "host"], headerValue: { headers[$0] }, payload: Array(body.utf8)
        )
        let stringToSign = TencentSignature.tc3StringToSign(timestamp: timestamp, date: date, service: "cvm", canonicalRequest: canonical)
        let signature = TencentSignature.tc3Signature(secret: key.1, date: date, service: "cvm", stringToSign: stringToSign)
        return HTTPRequestMessage(
            method: "POST", path: "/", rawQuery: "",
            headers: [
                ("Content-Type", "application/json"), ("Host", "127.0.0.1:8080"), ("X-TC-Action", action), ("X-TC-Version", "2017-03-12"),
                ("X-TC-Timestamp", timestamp), ("X-TC-Region", "ap-guangzhou"), ("X-TC-TraceId", UUID().uuidString),
                ("Authorization", "TC3-HMAC-SHA256 Credential=\(key.0)/\(date)/cvm/tc3_request, SignedHeaders=content-type;host, Signature=\(signature)"),
            ],
            body: Array(body.utf8), remoteAddress: "127.0.0.1"
        )
    }

    @Test func aRAMUserWithoutPoliciesIsRefusedEveryTencentAction() async throws {
        let harness = try await Self.harness()
        #expect(harness.tencentActions.count >= 20)
        // Well-formed values of every action's required parameters, so that each call reaches the door.
        let body = #"""
            {"KeyName":"k1","ProjectId":0,"PublicKey":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnJ9a0q1d0n1G8m6xSxM1tqvVXo1MGBfVu7LNgPwU8Y",
             "KeyId":"skey-aaaaaaaa","KeyIds":["skey-aaaaaaaa"],"InstanceIds":["ins-aaaaaaaa"],"InstanceId":"ins-aaaaaaaa",
             "Placement":{"Zone":"ap-guangzhou-3"},"ImageId":"img-aaaaaaaa","InstanceType":"S5.MEDIUM2","Password":"Passw0rd!Passw0rd",
             "ImageName":"img1","ImageIds":["img-aaaaaaaa"]}
            """#
        for action in harness.tencentActions {
            let response = await harness.tencent.handle(Self.tc3Request(action: action, body: body, key: Self.userKey))
            #expect(response.status == 200)
            #expect(response.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
            let error = (try Self.body(response)["Response"] as? [String: Any])?["Error"] as? [String: Any]
            #expect(error?["Code"] as? String == "AuthFailure.UnauthorizedOperation", "\(action): \(error ?? [:])")
        }
        let rootCall = await harness.tencent.handle(Self.tc3Request(action: "DescribeKeyPairs", body: "{}", key: Self.rootKey))
        #expect((try Self.body(rootCall)["Response"] as? [String: Any])?["Error"] == nil)
    }

    @Test func aDeniedCallChangesNothingAndIsAuditedWithItsCode() async throws {
        let harness = try await Self.harness()
        let denied = await harness.dialect.handle(Self.signedRequest(version: "2014-05-26", action: "ImportKeyPair", key: Self.userKey))
        #expect(denied.status == 403)
        let requestID = try #require(try Self.body(denied)["RequestId"] as? String)
        let (keyPairs, events) = try await harness.store.read { tx in
            let pairs = try await tx.keyPairs(matching: KeyPairQuery(accountID: CredentialService.defaultAccountID, regionID: "cn-hangzhou"), page: nil)
            let events = try await tx.auditEvents(matching: AuditQuery(
                accountID: CredentialService.defaultAccountID, start: Date(timeIntervalSinceNow: -60), end: Date(timeIntervalSinceNow: 60),
                attributes: [.eventName("ImportKeyPair")], after: nil, limit: 10
            ))
            return (pairs.totalCount, events)
        }
        #expect(keyPairs == 0)
        let event = try #require(events.first)
        #expect(event.requestID == requestID)
        #expect(event.errorCode == "Forbidden.RAM")
        #expect(event.principalName == "nobody")
        #expect(event.accessKeyID == Self.userKey.0)
        #expect(event.sourceIP == "127.0.0.1")
    }

    @Test func aChangeAndItsAuditEventCommitTogether() async throws {
        let harness = try await Self.harness()
        let created = await harness.dialect.handle(Self.signedRequest(version: "2014-05-26", action: "ImportKeyPair", key: Self.rootKey))
        #expect(created.status == 200)
        let events = try await harness.store.read { tx in
            try await tx.auditEvents(matching: AuditQuery(
                accountID: CredentialService.defaultAccountID, start: Date(timeIntervalSinceNow: -60), end: Date(timeIntervalSinceNow: 60),
                attributes: [.eventName("ImportKeyPair"), .resourceName("k1")], after: nil, limit: 10
            ))
        }
        #expect(events.count == 1)
        #expect(events.first?.errorCode == nil)
        #expect(events.first?.principalType == "root")
        #expect(events.first?.isWrite == true)
    }
}
