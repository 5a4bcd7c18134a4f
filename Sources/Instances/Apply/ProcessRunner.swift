import Foundation

/// Runs a tool to completion. Its output goes to temporary files, not pipes: reading a pipe can be
/// interrupted by a signal (EINTR), which Foundation's pipe reading does not survive.
enum ProcessRunner {
    struct Result {
        let status: Int32
        /// Standard output followed by standard error.
        let output: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws(ApplyError) -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("keyward-run-" + UUID().uuidString)
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let outURL = scratch.appendingPathComponent("out")
            let errURL = scratch.appendingPathComponent("err")
            FileManager.default.createFile(atPath: outURL.path, contents: nil)
            FileManager.default.createFile(atPath: errURL.path, contents: nil)
            let outHandle = try FileHandle(forWritingTo: outURL)
            let errHandle = try FileHandle(forWritingTo: errURL)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = outHandle
            process.standardError = errHandle
            try process.run()
            process.waitUntilExit()
            try? outHandle.close()
            try? errHandle.close()
            let out = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
            let err = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
            return Result(status: process.terminationStatus, output: out + err)
        } catch {
            throw .io(path: executable, reason: "cannot run: \(error)")
        }
    }

    /// The first executable among `candidates`, then on `PATH`.
    static func locate(_ name: String, candidates: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let all = candidates + path.split(separator: ":").map { String($0) + "/" + name }
        return all.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
