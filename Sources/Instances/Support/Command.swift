import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs a host command to completion and captures its output, always within a deadline: a command that runs past
/// it is killed and reaped, and the caller gets ``DriverError/timedOut(_:_:)``. The asynchronous form runs on
/// swift-subprocess (which reaps every child it starts); the blocking form, for synchronous callers that already
/// run off the cooperative pool, spawns and waits for its own child.
public struct Command: Sendable {
    public let executable: String
    public let arguments: [String]

    /// The deadline a command gets unless its caller chooses one.
    public static let defaultTimeout: Duration = .seconds(60)
    /// Output kept of each stream; more is an error, since no command Keyward runs prints that much.
    static let outputLimit = 8 << 20

    public init(_ executable: String, _ arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }

    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let errorOutput: String
        public var succeeded: Bool { status == 0 }
    }

    var commandLine: String { ([executable] + arguments).joined(separator: " ") }

    /// Runs asynchronously; on timeout (or cancellation) the command's process group gets SIGTERM, then SIGKILL after a second.
    public func run(timeout: Duration = defaultTimeout) async throws -> Result {
        let outcome = try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await self.spawn() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let outcome else { throw DriverError.timedOut(commandLine, timeout) }
        return outcome
    }

    private func spawn() async throws -> Result {
        var options = PlatformOptions()
        // A group of its own, so that a timeout also ends what the command started (which may hold its output open).
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
        let result = try await Subprocess.run(
            .path(FilePath(executable)),
            arguments: Arguments(arguments),
            platformOptions: options,
            input: .none,
            output: .string(limit: Self.outputLimit),
            error: .string(limit: Self.outputLimit)
        )
        let status: Int32 = switch result.terminationStatus {
        case .exited(let code): Int32(code)
        case .signaled(let signal): 128 + Int32(signal)
        }
        return Result(status: status, output: result.standardOutput, errorOutput: result.standardError)
    }

    /// Runs and fails with the command's own error output unless it exits 0.
    @discardableResult
    public func check(timeout: Duration = defaultTimeout) async throws -> String {
        let result = try await run(timeout: timeout)
        guard result.succeeded else {
            throw DriverError.commandFailed(commandLine, result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.output
    }

    /// Runs synchronously on the calling thread (which must not be one of the cooperative pool's).
    public func runBlocking(timeout: Duration = defaultTimeout) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kw-cmd-\(UUID().uuidString)").path
        guard mkdir(scratch, 0o700) == 0 else { throw DriverError.commandFailed(commandLine, "cannot create \(scratch)") }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, scratch + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, scratch + "/err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // The child gets default signal dispositions and an empty mask (the server ignores SIGTERM and SIGINT for its
        // own handling), and a process group of its own, so that a timeout kills whatever it started too.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD, SIGHUP] { sigaddset(&defaults, number) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw DriverError.commandFailed(commandLine, String(cString: strerror(spawned))) }
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        var timedOut = false
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 {
                guard errno == EINTR else { throw DriverError.commandFailed(commandLine, "lost the child: \(String(cString: strerror(errno)))") }
                continue
            }
            if ContinuousClock.now >= deadline {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                timedOut = true
                break
            }
            usleep(2000)
        }
        if timedOut { throw DriverError.timedOut(commandLine, timeout) }
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(
            status: code,
            output: String(decoding: FileManager.default.contents(atPath: scratch + "/out") ?? Data(), as: UTF8.self),
            errorOutput: String(decoding: FileManager.default.contents(atPath: scratch + "/err") ?? Data(), as: UTF8.self)
        )
    }

    /// The absolute path of `name` on PATH or in the system directories, if present.
    public static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
