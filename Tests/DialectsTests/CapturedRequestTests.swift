import Dialects
import DialectWire
import Foundation
import KeywardCore
import Logging
import Services
import Store
import Testing

/// Requests captured from the official SDKs, replayed through the dialect with the clock set to their capture time.
@Suite struct CapturedRequestTests {
    static let captureTime = Date(timeIntervalSince1970: 1_795_312_419)  // 2026-11-22T01:53:39Z

    static let teaV3 = HTTPRequestMessage(
        method: "POST",
        path: "/",
        rawQuery: "KeyPairName=my-key_1&RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=a+b%2Ac~",
        headers: [
            ("Accept-Encoding", "identity"), ("host", "127.0.0.1:18080"), ("x-acs-version", "2014-05-26"), ("x-acs-action", "CreateKeyPair"),
            ("user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"), ("x-acs-date", "2026-11-22T01:53:39Z"),
            ("x-acs-signature-nonce", "083a39cf64449f126f80f3179a9cba65"), ("accept", "application/json"),
            ("x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("x-acs-credentials-provider", "static_ak"),
            ("Authorization", "ACS3-HMAC-SHA256 Credential=testAK,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=634a55023dfad871f1806ffac437e41089f63b1c0571f9cd60d16ba56cf212c5"),
        ],
        body: []
    )

    static let legacyV1 = HTTPRequestMessage(
        method: "POST",
        path: "/",
        rawQuery: "KeyPairName=my-key_1&Tag.1.Value=a%20b%2Ac~&Tag.1.Key=env&Version=2014-05-26&Action=CreateKeyPair&Format=JSON&RegionId=cn-hangzhou&Timestamp=2026-11-22T01%3A53%3A39Z&SignatureMethod=HMAC-SHA1&SignatureType=&SignatureVersion=1.0&SignatureNonce=4d5e90395bebce62a72d4254504bd78f&AccessKeyId=testAK&Signature=qc%2BINIHoVNPyrNMRSToiB%2Fxbtgs%3D",
        headers: [("Host", "127.0.0.1:18080"), ("x-acs-action", "CreateKeyPair"), ("x-acs-version", "2014-05-26")],
        body: []
    )

    static func dialect(at now: Date = captureTime) async throws -> (AlibabaRPCDialect, any Store) {
        let logger = Logger(label: "test")
        let store = try await SQLStore.sqlite(path: nil, logger: logger)
        let credentials = CredentialService(store: store, sealer: SecretSealer(key: .init(size: .bits256)))
        _ = try await credentials.ensureRootAccessKey(configured: ("testAK", "testSecret"))
        var routes = RPCRoutes()
        let regions = RegionCatalog.standard
        ECSKeyPairActions(keyPairs: KeyPairService(store: store, regions: regions, logger: logger), regions: regions).register(into: &routes)
        let dialect = AlibabaRPCDialect(
            routes: routes, credentials: credentials, gateway: AccessGateway(store: store, logger: logger),
            defaultRegionID: regions.defaultRegionID, logger: logger, now: { now }
        )
        return (dialect, store)
    }

    static func json(_ response: HTTPResponseMessage) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    static func keyPairCount(_ store: any Store) async throws -> Int {
        try await store.read { tx in
            try await tx.keyPairs(matching: KeyPairQuery(accountID: CredentialService.defaultAccountID, regionID: "cn-hangzhou"), page: nil).totalCount
        }
    }

    @Test(arguments: [teaV3, legacyV1])
    func capturedSDKRequestCreatesTheKeyPairOnceAndItsReplayIsRefused(request: HTTPRequestMessage) async throws {
        let (dialect, store) = try await Self.dialect()
        let first = await dialect.handle(request)
        let body = try Self.json(first)
        #expect(first.status == 200, "\(body)")
        #expect(body["KeyPairName"] as? String == "my-key_1")
        #expect((body["PrivateKeyBody"] as? String)?.hasPrefix("-----BEGIN PRIVATE KEY-----") == true)
        #expect((body["RequestId"] as? String)?.isEmpty == false)

        let replay = await dialect.handle(request)
        #expect(replay.status == 400)
        #expect(try Self.json(replay)["Code"] as? String == "SignatureNonceUsed")
        #expect(try await Self.keyPairCount(store) == 1)
    }

    @Test func tamperedParameterIsRefusedWithTheServerStringToSign() async throws {
        let (dialect, store) = try await Self.dialect()
        let tampered = HTTPRequestMessage(
            method: "POST", path: "/", rawQuery: Self.teaV3.rawQuery.replacingOccurrences(of: "my-key_1", with: "my-key_2"),
            headers: Self.teaV3.headers, body: []
        )
        let response = await dialect.handle(tampered)
        let body = try Self.json(response)
        #expect(response.status == 400)
        #expect(body["Code"] as? String == "SignatureDoesNotMatch")
        #expect((body["Message"] as? String)?.contains("server string to sign is:ACS3-HMAC-SHA256\n") == true)
        for field in ["RequestId", "HostId", "Recommend"] { #expect(body[field] is String) }
        #expect(try await Self.keyPairCount(store) == 0)
    }

    @Test func tamperedSignedHeaderIsRefused() async throws {
        let (dialect, _) = try await Self.dialect()
        let headers = Self.teaV3.headers.map { $0.name == "user-agent" ? ($0.name, "evil") : $0 }
        let response = await dialect.handle(HTTPRequestMessage(method: "POST", path: "/", rawQuery: Self.teaV3.rawQuery, headers: headers, body: []))
        #expect(try Self.json(response)["Code"] as? String == "SignatureDoesNotMatch")
    }

    @Test func v1SignatureFromAnotherSecretIsRefused() async throws {
        let (dialect, store) = try await Self.dialect()
        let forged = HTTPRequestMessage(
            method: "POST", path: "/", rawQuery: Self.legacyV1.rawQuery.replacingOccurrences(of: "qc%2BINIHoVNPyrNMRSToiB%2Fxbtgs%3D", with: "AAAAINIHoVNPyrNMRSToiB%2Fxbtgs%3D"),
            headers: Self.legacyV1.headers, body: []
        )
        let response = await dialect.handle(forged)
        let body = try Self.json(response)
        #expect(body["Code"] as? String == "SignatureDoesNotMatch")
        #expect((body["Message"] as? String)?.hasSuffix(":POST&%2F&AccessKeyId%3DtestAK%26Action%3DCreateKeyPair%26Format%3DJSON%26KeyPairName%3Dmy-key_1%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D4d5e90395bebce62a72d4254504bd78f%26SignatureType%3D%26SignatureVersion%3D1.0%26Tag.1.Key%3Denv%26Tag.1.Value%3Da%2520b%252Ac~%26Timestamp%3D2026-11-22T01%253A53%253A39Z%26Version%3D2014-05-26") == true)
        #expect(try await Self.keyPairCount(store) == 0)
    }

    @Test(arguments: [-16.0 * 60, 16.0 * 60])
    func requestsOutsideTheFifteenMinuteWindowAreRefused(offset: Double) async throws {
        let (dialect, store) = try await Self.dialect(at: Self.captureTime.addingTimeInterval(offset))
        for request in [Self.teaV3, Self.legacyV1] {
            let response = await dialect.handle(request)
            #expect(response.status == 400)
            #expect(try Self.json(response)["Code"] as? String == "InvalidTimeStamp.Expired")
        }
        #expect(try await Self.keyPairCount(store) == 0)
    }

    @Test func requestsWithinTheWindowAreAccepted() async throws {
        let (dialect, _) = try await Self.dialect(at: Self.captureTime.addingTimeInterval(14 * 60))
        #expect(await dialect.handle(Self.teaV3).status == 200)
    }

    @Test func unknownAccessKeyIsRefused() async throws {
        let (dialect, _) = try await Self.dialect()
        let request = HTTPRequestMessage(
            method: "POST", path: "/", rawQuery: Self.legacyV1.rawQuery.replacingOccurrences(of: "AccessKeyId=testAK", with: "AccessKeyId=nobody"),
            headers: [], body: []
        )
        let response = await dialect.handle(request)
        #expect(response.status == 404)
        #expect(try Self.json(response)["Code"] as? String == "InvalidAccessKeyId.NotFound")
    }

    @Test func unsignedHostHeaderIsIncompleteSignature() async throws {
        let (dialect, _) = try await Self.dialect()
        let headers = Self.teaV3.headers.map {
            $0.name == "authorization" ? ($0.name, $0.value.replacingOccurrences(of: "accept;host;", with: "accept;")) : $0
        }
        let response = await dialect.handle(HTTPRequestMessage(method: "POST", path: "/", rawQuery: Self.teaV3.rawQuery, headers: headers, body: []))
        #expect(try Self.json(response)["Code"] as? String == "IncompleteSignature")
    }

    @Test func requestWithoutAnySignatureIsRefused() async throws {
        let (dialect, _) = try await Self.dialect()
        let response = await dialect.handle(HTTPRequestMessage(method: "GET", path: "/", rawQuery: "Action=DescribeRegions&Version=2014-05-26", headers: [], body: []))
        #expect(response.status == 400)
        #expect(try Self.json(response)["Code"] as? String == "IncompleteSignature")
    }

    @Test func xmlIsReturnedWhenAsked() async throws {
        let (dialect, _) = try await Self.dialect()
        let response = await dialect.handle(HTTPRequestMessage(method: "GET", path: "/", rawQuery: "Format=XML", headers: [], body: []))
        #expect(response.headers.contains { $0.name == "Content-Type" && $0.value == "text/xml;charset=utf-8" })
        #expect(String(decoding: response.body, as: UTF8.self).contains("<Error><RequestId>"))
    }
}
