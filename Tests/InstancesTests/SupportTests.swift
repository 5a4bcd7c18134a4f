import Foundation
@testable import Instances
import Testing

/// The host-side support pieces: the deadline of host commands, and the host locks servers claim.
@Suite struct SupportTests {
    @Test func aCommandPastItsDeadlineIsKilledAndReapedPromptly() async throws {
        let started = ContinuousClock.now
        await #expect(throws: DriverError.timedOut("/bin/sh -c sleep 30 & sleep 30", .milliseconds(300))) {
            try await Command("/bin/sh", ["-c", "sleep 30 & sleep 30"]).run(timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try await Command("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]).run().status == 3)
        let result = try await Command("/bin/sh", ["-c", "echo out; echo err >&2"]).run()
        #expect(result.output == "out\n" && result.errorOutput == "err\n")
    }

    @Test func aBlockingCommandPastItsDeadlineIsKilledWithWhatItStarted() throws {
        let marker = NSTemporaryDirectory() + "kw-grandchild-" + UUID().uuidString
        let started = ContinuousClock.now
        #expect(throws: DriverError.timedOut("/bin/sh -c sleep 1 && touch \(marker) & sleep 30", .milliseconds(300))) {
            try Command("/bin/sh", ["-c", "sleep 1 && touch \(marker) & sleep 30"]).runBlocking(timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        Thread.sleep(forTimeInterval: 1.5)
        #expect(!FileManager.default.fileExists(atPath: marker), "the command's own children die with it")
        #expect(try Command("/bin/sh", ["-c", "kill -TERM $$"]).runBlocking().status == 128 + SIGTERM, "a child gets SIGTERM's default action")
    }

    @Test func aHeldLockNamesItsHolderAndIsFreedWithItsValue() throws {
        let path = NSTemporaryDirectory() + "kw-lock-" + UUID().uuidString
        var first: HostLock? = try HostLock(path: path, holder: "the first server")
        #expect(throws: HostLock.Failure.held(path: path, holder: "the first server")) { try HostLock(path: path, holder: "the second") }
        withExtendedLifetime(first) {}
        first = nil
        let second = try HostLock(path: path, holder: "the second")
        #expect(second.path == path)
        #expect(throws: HostLock.Failure.unavailable(path: "/nonexistent-kw/lock", reason: "No such file or directory")) {
            try HostLock(path: "/nonexistent-kw/lock", holder: "x")
        }
    }
}
