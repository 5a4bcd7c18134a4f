import Dialects
import DialectWire
import KeywardCore
import Testing

@Suite struct SignatureVectorTests {
    @Test func v1MatchesTheDocumentedVector() {
        let parameters: [(name: String, value: String)] = [
            ("AccessKeyId", "testid"), ("Action", "DescribeRegions"), ("Format", "XML"), ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"), ("SignatureVersion", "1.0"), ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]
        let stringToSign = AlibabaSignature.v1StringToSign(method: "GET", parameters: parameters)
        #expect(stringToSign == "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26")
        #expect(AlibabaSignature.v1Signature(stringToSign: stringToSign, secret: "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY=")
    }

    @Test func v1SortsParametersAndEncodesSpacesAsPercent20() {
        let sts = AlibabaSignature.v1StringToSign(method: "POST", parameters: [("b", "a b*c~"), ("Signature", "x"), ("a", "")])
        #expect(sts == "POST&%2F&a%3D%26b%3Da%2520b%252Ac~")
    }

    @Test func v3MatchesTheVectorFromTheTeaSDKSigner() {
        let headers: [String: String] = [
            "host": "127.0.0.1:18080", "x-acs-action": "CreateKeyPair", "x-acs-version": "2014-05-26", "x-acs-date": "2024-01-01T00:00:00Z",
            "x-acs-signature-nonce": "0123456789abcdef0123456789abcdef", "accept": "application/json",
            "x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ]
        let canonical = AlibabaSignature.v3CanonicalRequest(
            method: "POST",
            path: "/",
            query: [("RegionId", "cn-hangzhou"), ("KeyPairName", "my key*~"), ("Tag.1.Key", "env")],
            signedHeaders: headers.keys.sorted(),
            headerValues: { headers[$0].map { [$0] } ?? [] },
            payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(canonical.split(separator: "\n", omittingEmptySubsequences: false)[2] == "KeyPairName=my%20key%2A~&RegionId=cn-hangzhou&Tag.1.Key=env")
        let sts = AlibabaSignature.v3StringToSign(algorithm: "ACS3-HMAC-SHA256", canonicalRequest: canonical)
        #expect(sts == "ACS3-HMAC-SHA256\n2ab8b94f933eacb5e78a55041d2b65b85f87771c3a195ba746ad5b9fb9122ec2")
        #expect(AlibabaSignature.v3Signature(stringToSign: sts, secret: "testSecret") == "cd1c23f1687eaa2bafeaff1c1c4c6abe3fc4db95d64b1ca20c502629eca81d26")
    }

    @Test func authorizationHeaderParsesIntoItsParts() throws {
        let header = "ACS3-HMAC-SHA256 Credential=testAK,SignedHeaders=accept;host;x-acs-date,Signature=abc123"
        let parsed = try #require(AlibabaSignature.V3Authorization(header: header))
        #expect(parsed.algorithm == "ACS3-HMAC-SHA256")
        #expect(parsed.accessKeyID == "testAK")
        #expect(parsed.signedHeaders == ["accept", "host", "x-acs-date"])
        #expect(parsed.signature == "abc123")
        #expect(AlibabaSignature.V3Authorization(header: "ACS3-HMAC-SHA256 Credential=testAK") == nil)
        #expect(AlibabaSignature.V3Authorization(header: "garbage") == nil)
    }

    @Test func formDecodingTreatsPlusAsSpaceAndRejectsBrokenEscapes() {
        #expect(PercentEncoding.formDecode("a+b%2Ac~") == "a b*c~")
        #expect(PercentEncoding.formDecode("%E4%B8%AD") == "中")
        #expect(PercentEncoding.formDecode("%zz") == nil)
        #expect(PercentEncoding.formDecode("%4") == nil)
        #expect(PercentEncoding.formDecode("%FF") == nil)
        #expect(PercentEncoding.formPairs("SignatureType=&A=1")?.map(\.value) == ["", "1"])
    }

    @Test func timestampsParseToEpochSeconds() {
        #expect(UTCTimestamp.parse("1970-01-01T00:00:00Z") == 0)
        #expect(UTCTimestamp.parse("2026-11-22T01:53:39Z") == 1_795_312_419)
        #expect(UTCTimestamp.parse("2024-02-29T12:00:00.123Z") == 1_709_208_000)
        #expect(UTCTimestamp.parse("2024-13-01T00:00:00Z") == nil)
        #expect(UTCTimestamp.parse("yesterday") == nil)
        #expect(UTCTimestamp.parse("2024-01-01 00:00:00Z") == nil)
    }

    @Test func constantTimeComparisonComparesWholeStrings() {
        #expect(ConstantTime.equals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abcd".utf8)))
    }
}
