import Dialects
import DialectWire
import Foundation
import KeywardCore
import Services
import Store
import Testing

/// A signed request is answered once. A change's nonce is claimed before it runs; a read's in the commit that records
/// its audit event, after it ran: either way a replay is refused with SignatureNonceUsed and leaves no event.
@Suite struct ReplayTests {
    static func events(_ store: any Store, action: String) async throws -> [AuditEvent] {
        try await store.read { tx in
            try await tx.auditEvents(matching: AuditQuery(
                accountID: CredentialService.defaultAccountID, start: Date().addingTimeInterval(-3600), end: Date().addingTimeInterval(3600),
                attributes: [.eventName(action)], after: nil, limit: 100
            ))
        }
    }

    /// The codes of eight copies of `request` sent at once ("OK" for an answer).
    static func answers(toEightCopiesOf request: HTTPRequestMessage, _ dialect: AlibabaRPCDialect) async -> [String] {
        await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let response = await dialect.handle(request)
                    return response.status == 200 ? "OK" : ((try? AccessDoorTests.body(response)["Code"] as? String) ?? "?")
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
    }

    @Test func aReplayedReadIsRefusedAndRecordedOnce() async throws {
        let harness = try await AccessDoorTests.harness()
        let request = AccessDoorTests.signedRequest(version: "2014-05-26", action: "DescribeKeyPairs", key: AccessDoorTests.rootKey,
                                                    extra: ["RegionId": "cn-hangzhou"])
        let first = await harness.dialect.handle(request)
        #expect(first.status == 200)
        let replay = await harness.dialect.handle(request)
        #expect(replay.status == 400)
        #expect(try AccessDoorTests.body(replay)["Code"] as? String == "SignatureNonceUsed")
        #expect(try await Self.events(harness.store, action: "DescribeKeyPairs").count == 1)
    }

    /// Eight copies of one read at once: one is answered, seven are replays, and one event is recorded.
    @Test func concurrentCopiesOfAReadAreAnsweredOnce() async throws {
        let harness = try await AccessDoorTests.harness()
        let request = AccessDoorTests.signedRequest(version: "2014-05-26", action: "DescribeKeyPairs", key: AccessDoorTests.rootKey,
                                                    extra: ["RegionId": "cn-hangzhou"])
        let codes = await Self.answers(toEightCopiesOf: request, harness.dialect)
        #expect(codes.sorted() == ["OK"] + Array(repeating: "SignatureNonceUsed", count: 7))
        #expect(try await Self.events(harness.store, action: "DescribeKeyPairs").count == 1)
    }

    /// A read that is refused (no permission) still claims its nonce: its replay is a replay, not another denial.
    @Test func aRefusedReadsReplayIsAReplay() async throws {
        let harness = try await AccessDoorTests.harness()
        let request = AccessDoorTests.signedRequest(version: "2014-05-26", action: "DescribeKeyPairs", key: AccessDoorTests.userKey,
                                                    extra: ["RegionId": "cn-hangzhou"])
        let first = await harness.dialect.handle(request)
        #expect(try AccessDoorTests.body(first)["Code"] as? String == "Forbidden.RAM")
        let replay = await harness.dialect.handle(request)
        #expect(try AccessDoorTests.body(replay)["Code"] as? String == "SignatureNonceUsed")
        #expect(try await Self.events(harness.store, action: "DescribeKeyPairs").count == 1)
    }

    /// Concurrent copies of a change: one makes it, the others are refused before they run.
    @Test func concurrentCopiesOfAChangeMakeItOnce() async throws {
        let harness = try await AccessDoorTests.harness()
        let request = AccessDoorTests.signedRequest(version: "2014-05-26", action: "ImportKeyPair", key: AccessDoorTests.rootKey, extra: [
            "RegionId": "cn-hangzhou", "KeyPairName": "once",
            "PublicKeyBody": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnJ9a0q1d0n1G8m6xSxM1tqvVXo1MGBfVu7LNgPwU8Y",
        ])
        let codes = await Self.answers(toEightCopiesOf: request, harness.dialect)
        #expect(codes.sorted() == ["OK"] + Array(repeating: "SignatureNonceUsed", count: 7))
        #expect(try await Self.events(harness.store, action: "ImportKeyPair").count == 1)
    }
}
