import Dialects
import DialectWire
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Server
import Testing

@Suite struct ServerTests {
    static func signedV1Query(action: String, extra: [(String, String)] = [], secret: String = "s3cret") -> String {
        var parameters: [(name: String, value: String)] = [
            ("Action", action), ("Version", "2014-05-26"), ("Format", "JSON"), ("AccessKeyId", "AKTEST"),
            ("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"), ("SignatureNonce", UUID().uuidString),
            ("Timestamp", ISO8601DateFormatter().string(from: Date())),
        ]
        parameters += extra.map { (name: $0.0, value: $0.1) }
        let signature = AlibabaSignature.v1Signature(
            stringToSign: AlibabaSignature.v1StringToSign(method: "GET", parameters: parameters), secret: secret
        )
        parameters.append(("Signature", signature))
        return parameters.map { PercentEncoding.rfc3986($0.name) + "=" + PercentEncoding.rfc3986($0.value) }.joined(separator: "&")
    }

    static func application() async throws -> some ApplicationProtocol {
        try await KeywardServer.build(
            configuration: ServerConfiguration(dataDirectory: nil, rootAccessKey: ("AKTEST", "s3cret"), driver: .simulated, metadataListen: "off"),
            logger: Logger(label: "test")
        )
    }

    @Test func signedRequestThroughTheHTTPServerIsAnsweredAsJSON() async throws {
        let app = try await Self.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/?" + Self.signedV1Query(action: "DescribeRegions"), method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json;charset=utf-8")
                let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let regions = try #require((body["Regions"] as? [String: Any])?["Region"] as? [[String: Any]])
                #expect(regions.contains { $0["RegionId"] as? String == "cn-hangzhou" })
            }
            try await client.execute(uri: "/?" + Self.signedV1Query(action: "DescribeRegions", secret: "wrong"), method: .post) { response in
                #expect(response.status == .badRequest)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(body["Code"] as? String == "SignatureDoesNotMatch")
            }
            try await client.execute(uri: "/?" + Self.signedV1Query(action: "NoSuchAction"), method: .get) { response in
                let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(body["Code"] as? String == "InvalidAction.NotFound")
            }
        }
    }

    @Test func listenAddressParsing() {
        #expect(ServerConfiguration.parseListen("127.0.0.1:8080")! == ("127.0.0.1", 8080))
        #expect(ServerConfiguration.parseListen("[::1]:9000")! == ("::1", 9000))
        #expect(ServerConfiguration.parseListen("localhost") == nil)
        #expect(ServerConfiguration.parseListen(":80") == nil)
        #expect(ServerConfiguration.parseListen("h:99999") == nil)
    }

    @Test func bannerShowsAGeneratedSecretOnceAndSnippetsForBothSDKs() {
        let text = StartupBanner.text(.init(endpoint: "http://127.0.0.1:8080", port: 8080, rootKey: .generated(id: "LTAIabc", secret: "topsecret")))
        #expect(text.contains("listening on http://127.0.0.1:8080"))
        #expect(text.contains("access_key_secret=\"topsecret\""))
        #expect(text.contains("endpoint=\"127.0.0.1:8080\""))
        #expect(text.contains("AcsClient(\"LTAIabc\", \"topsecret\", \"cn-hangzhou\", port=8080)"))
        #expect(text.contains("credential.Credential(\"LTAIabc\", \"topsecret\")"))
        let later = StartupBanner.text(.init(endpoint: "http://127.0.0.1:8080", port: 8080, rootKey: .existing(id: "LTAIabc")))
        #expect(!later.contains("topsecret"))
    }
}
