import Crypto
import Dialects
import DialectWire
import Foundation
import Instances
import Logging
@testable import Server
import Store
import Testing

/// The self-signed certificate and the metrics registry.
@Suite struct TransportTests {
    @Test func theSelfSignedCertificateIsMadeOnceWithAPrivateKeyAndReused() throws {
        let directory = NSTemporaryDirectory() + "kw-tls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let first = try TLSMaterial.selfSigned(in: directory, listenHost: "0.0.0.0")
        #expect(first.isSelfSigned)
        #expect(first.fingerprint.hasPrefix("SHA256:") && first.fingerprint.split(separator: ":").count == 33)
        let mode = try FileManager.default.attributesOfItem(atPath: first.keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try TLSMaterial.selfSigned(in: directory, listenHost: "0.0.0.0").fingerprint == first.fingerprint)
        // openssl reads it as a CA certificate naming the loopback address.
        let text = try Command.output("/usr/bin/openssl", ["x509", "-in", first.certificateFile, "-noout", "-text"])
        #expect(text.contains("CA:TRUE") && text.contains("IP Address:127.0.0.1") && text.contains("DNS:localhost"))
        #expect(text.contains("TLS Web Server Authentication"))
    }

    @Test func operatorFilesThatAreNotPEMAreRefusedWithTheirName() throws {
        let path = NSTemporaryDirectory() + "kw-notpem-" + UUID().uuidString
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: TLSMaterial.Failure.self) { try TLSMaterial.load(certificate: path, key: path) }
        do { _ = try TLSMaterial.load(certificate: path, key: path) } catch {
            #expect(String(describing: error).hasPrefix("tls-cert \(path): not a readable PEM certificate chain"))
        }
    }

    @Test func metricsCountRequestsByOutcomeAndRenderTheStoreState() async throws {
        let metrics = ServerMetrics()
        metrics.record(RequestOutcome(dialect: "alibaba-rpc", action: "DescribeRegions", code: "OK"), duration: .milliseconds(3))
        metrics.record(RequestOutcome(dialect: "alibaba-rpc", action: "-", code: "SignatureNonceUsed", authenticationFailure: "replay"),
                       duration: .milliseconds(1))
        let store = try await SQLStore.sqlite(path: nil, logger: Logger(label: "test"))
        let text = String(decoding: await metrics.render(store: store), as: UTF8.self)
        #expect(text.contains(#"keyward_requests_total{dialect="alibaba-rpc",action="DescribeRegions",code="OK"} 1"#))
        #expect(text.contains(#"keyward_signature_failures_total{dialect="alibaba-rpc",reason="replay"} 1"#))
        #expect(text.contains(#"keyward_replay_refusals_total{dialect="alibaba-rpc"} 1"#))
        #expect(text.contains(#"keyward_request_duration_seconds_bucket{dialect="alibaba-rpc",action="DescribeRegions",le="0.005"} 1"#))
        #expect(text.contains(#"keyward_instances{status="Running"} 0.0"#))
    }
}

extension Command {
    /// The output of a tool the test needs (openssl), failing the test when it fails.
    static func output(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try Command(executable, arguments).runBlocking()
        try #require(result.succeeded, "\(executable) failed: \(result.errorOutput)")
        return result.output
    }
}
