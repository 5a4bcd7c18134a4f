import Foundation

/// Runs a host command to completion and captures its output. Output goes through temporary files rather
/// than pipes: a signal interrupting a pipe read (EINTR) would abort Foundation's pipe reading.
public struct Command: Sendable {
    public let executable: String
    public let arguments: [String]

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

    /// Runs synchronously on the calling thread.
    public func runBlocking() throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kw-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out")
        let err = scratch.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out)
        let errHandle = try FileHandle(forWritingTo: err)
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            output: String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self),
            errorOutput: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self)
        )
    }

    /// Runs on a Dispatch thread, off the cooperative pool.
    public func run() async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result { try self.runBlocking() })
            }
        }
    }

    /// Runs and fails with the command's own error output unless it exits 0.
    @discardableResult
    public func check() async throws -> String {
        let result = try await run()
        guard result.succeeded else {
            throw DriverError.commandFailed(([executable] + arguments).joined(separator: " "), result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.output
    }

    /// The absolute path of `name` on PATH or in the system directories, if present.
    public static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
