import Foundation
@testable import Instances
import Testing

/// The host-side support pieces: the deadline of host commands, and the host locks servers claim.
@Suite struct SupportTests {
    /// A command that starts a background child (which lets go of the output) and then waits; `pidFile` gets the
    /// child's pid.
    static func parentAndChild(_ pidFile: String) -> Command {
        Command("/bin/sh", ["-c", "sleep 60 >/dev/null 2>&1 </dev/null & echo $! > \(pidFile); sleep 60"])
    }

    /// Whether the process the file names still runs, given the moment a kill takes to land (a zombie waiting for its
    /// reaper does not run; nor does a child the command was ended before it started).
    static func stillRuns(pidFile: String) throws -> Bool {
        for _ in 0..<200 {
            guard try runs(pidFile: pidFile) else { return false }
            usleep(10_000)
        }
        return true
    }

    private static func runs(pidFile: String) throws -> Bool {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8), !text.isEmpty else { return false }
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    static func pidFile() -> String { NSTemporaryDirectory() + "kw-child-" + UUID().uuidString }

    @Test func aCommandPastItsDeadlineIsEndedWithWhatItStarted() async throws {
        let file = Self.pidFile()
        let command = Self.parentAndChild(file)
        await #expect(throws: DriverError.timedOut(command.commandLine, .milliseconds(500))) {
            try await command.run(timeout: .milliseconds(500))
        }
        #expect(try !Self.stillRuns(pidFile: file), "the command's own children end with it")
        #expect(try await Command("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]).run().status == 3)
        let result = try await Command("/bin/sh", ["-c", "echo out; echo err >&2"]).run()
        #expect(result.output == "out\n" && result.errorOutput == "err\n")
    }

    @Test func aBlockingCommandPastItsDeadlineIsEndedWithWhatItStarted() throws {
        let file = Self.pidFile()
        let command = Self.parentAndChild(file)
        #expect(throws: DriverError.timedOut(command.commandLine, .milliseconds(500))) {
            try command.runBlocking(timeout: .milliseconds(500))
        }
        #expect(try !Self.stillRuns(pidFile: file), "the command's own children end with it")
        #expect(try Command("/bin/sh", ["-c", "kill -TERM $$"]).runBlocking().status == 128 + SIGTERM, "a child gets SIGTERM's default action")
    }

    @Test func aHeldLockNamesItsHolderAndIsFreedWithItsValue() throws {
        let path = NSTemporaryDirectory() + "kw-lock-" + UUID().uuidString
        do {
            let first = try HostLock(path: path, holder: "the first server")
            #expect(throws: HostLock.Failure.held(path: path, holder: "the first server")) { try HostLock(path: path, holder: "the second") }
            withExtendedLifetime(first) {}
        }
        // A child being spawned at that moment by a concurrent test may hold a copy of the descriptor until it execs.
        var second: HostLock?
        for _ in 0..<200 where second == nil {
            second = try? HostLock(path: path, holder: "the second")
            if second == nil { usleep(10_000) }
        }
        #expect(second?.path == path)
        #expect(throws: HostLock.Failure.unavailable(path: "/nonexistent-kw/lock", reason: "No such file or directory")) {
            try HostLock(path: "/nonexistent-kw/lock", holder: "x")
        }
    }
}
