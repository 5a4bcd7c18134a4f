import Dialects
import DialectWire
import Foundation
import Testing

/// Requests that are not RPC requests: refused in Alibaba's codes before anything is looked up, and the decoder's
/// own reasons for it.
@Suite struct MalformedRPCRequestTests {
    static let signed = "AccessKeyId=testAK&Action=DescribeKeyPairs&Version=2014-05-26&Format=JSON&SignatureMethod=HMAC-SHA1"
        + "&SignatureVersion=1.0&SignatureNonce=n1&Timestamp=2026-11-22T01%3A53%3A39Z&Signature=abc%3D"

    static func request(query: String, headers: [(name: String, value: String)] = [], body: String = "") -> HTTPRequestMessage {
        HTTPRequestMessage(method: body.isEmpty ? "GET" : "POST", path: "/", rawQuery: query, headers: headers, body: Array(body.utf8))
    }

    @Test(arguments: [
        (MalformedRPCRequestTests.signed + "&KeyPairName=%zz", RPCRequest.Malformed.query),
        (MalformedRPCRequestTests.signed + "&KeyPairName=%E2%82", .query),
        (MalformedRPCRequestTests.signed + "&KeyPairName=a&KeyPairName=b", .repeatedParameter("KeyPairName")),
        ("AccessKeyId=testAK&Action=DescribeKeyPairs&Version=2014-05-26", .incompleteSignature),
        ("AccessKeyId=testAK&Action=DescribeKeyPairs&Signature=", .incompleteSignature),
        ("AccessKeyId=testAK&Version=2014-05-26&Signature=abc", .missingParameter("Action")),
        ("AccessKeyId=testAK&Action=DescribeKeyPairs&Signature=abc", .missingParameter("Version")),
    ])
    func queriesThatAreNotRPCRequestsAreRefusedWithTheReason(query: String, reason: RPCRequest.Malformed) {
        #expect(throws: reason) { try RPCRequest.decode(Self.request(query: query)) }
    }

    @Test func aFormBodyIsReadWithTheQueryAndMayNotRepeatIt() {
        let form = [("content-type", "application/x-www-form-urlencoded; charset=utf-8")]
        let decoded = try? RPCRequest.decode(Self.request(query: Self.signed, headers: form, body: "KeyPairName=a+b&RegionId=cn-hangzhou"))
        #expect(decoded?.values["KeyPairName"] == "a b")
        #expect(decoded?.signedPairs.count == decoded.map { $0.queryPairs.count + 2 })
        #expect(throws: RPCRequest.Malformed.repeatedParameter("Action")) {
            try RPCRequest.decode(Self.request(query: Self.signed, headers: form, body: "Action=CreateKeyPair"))
        }
        #expect(throws: RPCRequest.Malformed.body) {
            try RPCRequest.decode(Self.request(query: Self.signed, headers: form, body: "KeyPairName=%4"))
        }
    }

    @Test func aV3RequestNamesItsActionAndVersionInHeaders() {
        let authorization = ("authorization", "ACS3-HMAC-SHA256 Credential=testAK,SignedHeaders=host;x-acs-action,Signature=00")
        #expect(throws: RPCRequest.Malformed.missingParameter("Action")) {
            try RPCRequest.decode(Self.request(query: "", headers: [authorization, ("x-acs-version", "2014-05-26")]))
        }
        #expect(throws: RPCRequest.Malformed.missingParameter("Version")) {
            try RPCRequest.decode(Self.request(query: "", headers: [authorization, ("x-acs-action", "DescribeKeyPairs")]))
        }
        #expect(throws: RPCRequest.Malformed.incompleteSignature) {
            try RPCRequest.decode(Self.request(query: "", headers: [("authorization", "ACS3-HMAC-SHA256 Credential=testAK")]))
        }
    }

    @Test(arguments: [
        (MalformedRPCRequestTests.signed + "&KeyPairName=%zz", 400, "InvalidParameter"),
        (MalformedRPCRequestTests.signed + "&KeyPairName=a&KeyPairName=b", 400, "InvalidParameter"),
        ("AccessKeyId=testAK&Action=DescribeKeyPairs&Version=2014-05-26", 400, "IncompleteSignature"),
        ("AccessKeyId=testAK&Version=2014-05-26&Signature=abc", 400, "MissingParameter"),
    ])
    func theDialectAnswersInAlibabasCodes(query: String, status: Int, code: String) async throws {
        let (dialect, store) = try await CapturedRequestTests.dialect()
        let response = await dialect.handle(Self.request(query: query))
        #expect(response.status == status)
        #expect(try CapturedRequestTests.json(response)["Code"] as? String == code)
        #expect(try await CapturedRequestTests.keyPairCount(store) == 0)
    }
}
