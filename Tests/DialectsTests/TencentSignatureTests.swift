@testable import Dialects
import DialectWire
import Foundation
import Testing

/// Tencent's signatures against a request captured from tencentcloud-sdk-python (secret `secretlocal`).
@Suite struct TencentSignatureTests {
    static let body = Array(#"{"KeyName": "my_key_1", "ProjectId": 0, "TagSpecification": [{"ResourceType": "keypair", "Tags": [{"Key": "env", "Value": "test"}]}]}"#.utf8)
    static let authorization = "TC3-HMAC-SHA256 Credential=AKIDtestlocal/2026-11-22/cvm/tc3_request, SignedHeaders=content-type;host, Signature=a4c4466780878e33510011a0cc6da455ec46f038e94658beedcc0e082ad809ec"

    @Test func tc3ReproducesTheSDKsSignature() throws {
        let parsed = try #require(TencentSignature.TC3Authorization(header: Self.authorization))
        #expect(parsed.secretID == "AKIDtestlocal")
        #expect(parsed.signedHeaders == ["content-type", "host"])
        let headers = ["content-type": "application/json", "host": "127.0.0.1:18765"]
        let canonical = TencentSignature.tc3CanonicalRequest(
            method: "POST", path: "/", rawQuery: "", signedHeaders: parsed.signedHeaders, headerValue: { headers[$0] }, payload: Self.body
        )
        #expect(canonical.hasSuffix("5dca30e92749a816b8f935d1a9740974a2a306391678151112d75d5cb2d63ab9"))
        let stringToSign = TencentSignature.tc3StringToSign(timestamp: "1795312480", date: parsed.date, service: parsed.service, canonicalRequest: canonical)
        #expect(stringToSign.hasSuffix("67f6fce2b5a2bdd084105ca625c89ad897eb126c4f43460f705da1cbdee584a4"))
        #expect(TencentSignature.tc3Signature(secret: "secretlocal", date: parsed.date, service: parsed.service, stringToSign: stringToSign) == parsed.signature)
        #expect(TencentSignature.tc3Signature(secret: "secretlocaX", date: parsed.date, service: parsed.service, stringToSign: stringToSign) != parsed.signature)
    }

    @Test func malformedAuthorizationHeadersAreNotParsed() {
        for header in [
            "TC3-HMAC-SHA256 Credential=AKID/2026-11-22/cvm, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64))",
            "TC3-HMAC-SHA256 Credential=AKID/2026-11-22/cvm/tc3_request, Signature=\(String(repeating: "a", count: 64))",
            "TC3-HMAC-SHA256 Credential=AKID/2026-11-22/cvm/tc3_request, SignedHeaders=host, Signature=short",
            "ACS3-HMAC-SHA256 Credential=AKID",
        ] {
            #expect(TencentSignature.TC3Authorization(header: header) == nil, "\(header)")
        }
    }

    @Test func legacyStringToSignSortsRawValuesAndLeavesOutTheSignature() {
        let text = TencentSignature.legacyStringToSign(
            method: "GET", host: "cvm.tencentcloudapi.com", path: "/",
            parameters: [("Nonce", "11886"), ("Action", "DescribeInstances"), ("Signature", "x"), ("InstanceIds.0", "ins-09dx96dg"), ("Region", "ap-guangzhou")]
        )
        #expect(text == "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Nonce=11886&Region=ap-guangzhou")
        // Tencent's documented example (signature v1): its string to sign and example key give its example signature.
        let example = "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******&Timestamp=1465185768&Version=2017-03-12"
        let key = "Gu5t9xGARNpq86cd98joQYCN3*******"
        #expect(TencentSignature.legacySignature(secret: key, method: .hmacSHA1, stringToSign: example) == "zmmjn35mikh6pM3V7sUEuX4wyYM=")
        #expect(TencentSignature.legacySignature(secret: key, method: .hmacSHA256, stringToSign: example) == "LzvvZM+0Rl8Q51FXGiFEVp3AeXl2V8Wewa194M4b078=")
    }

    @Test func flattenedParametersRebuildListsAndObjects() throws {
        let parameters = try #require(TencentParameters.flattened([
            ("KeyIds.0", "skey-aaaaaaaa"), ("KeyIds.1", "skey-bbbbbbbb"), ("Filters.0.Name", "key-name"), ("Filters.0.Values.0", "a"),
            ("Filters.0.Values.1", "b"), ("Limit", "5"), ("ForceStop", "true"),
        ]))
        #expect(try parameters.optionalStrings("KeyIds") == ["skey-aaaaaaaa", "skey-bbbbbbbb"])
        let filters = try parameters.filters()
        #expect(filters.count == 1)
        #expect(filters[0].name == "key-name")
        #expect(filters[0].values == ["a", "b"])
        #expect(try parameters.optionalInt("Limit") == 5)
        #expect(try parameters.optionalBool("ForceStop") == true)
        // A name that is both a value and a list, or an index given twice, is not a tree.
        #expect(TencentParameters.flattened([("KeyIds", "x"), ("KeyIds.0", "y")]) == nil)
        #expect(TencentParameters.flattened([("KeyIds.0", "x"), ("KeyIds.0", "y")]) == nil)
        // More pairs than any action takes are refused before any tree is built.
        #expect(TencentParameters.flattened((0...TencentParameters.pairLimit).map { (name: "a\($0)", value: "") }) == nil)
    }

    @Test func jsonBodiesKeepTypesAndRefuseWhatIsNotAnObject() throws {
        let parameters = try #require(TencentParameters.json(Array(#"{"ProjectId": 0, "DryRun": true, "KeyName": "k"}"#.utf8)))
        #expect(try parameters.optionalInt("ProjectId") == 0)
        let big = try #require(TencentParameters.json(Array(#"{"ProjectId": 9007199254740993, "One": 1, "Yes": true}"#.utf8)))
        #expect(try big.optionalInt("ProjectId") == 9_007_199_254_740_993)
        #expect(try big.optionalInt("One") == 1)
        #expect(throws: TencentError.self) { try big.optionalString("Yes") }
        #expect(try parameters.optionalBool("DryRun") == true)
        #expect(try parameters.string("KeyName") == "k")
        #expect(throws: TencentError.self) { try parameters.optionalInt("KeyName") }
        #expect(TencentParameters.json(Array("[1,2]".utf8)) == nil)
        #expect(TencentParameters.json(Array("{".utf8)) == nil)
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(TencentParameters.json(Array(#"{"a": \#(deep)}"#.utf8)) == nil)
    }
}
