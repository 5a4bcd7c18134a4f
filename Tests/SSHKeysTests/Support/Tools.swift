import Foundation
import Instances

/// A failure of the test environment, reported with a message that says what to fix.
struct ToolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct ToolResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the real OpenSSH tools to make and check fixtures.
enum Tools {
    /// The absolute path of `name` on PATH (or the usual system directories).
    static func locate(_ name: String) throws -> String {
        guard let path = Command.locate(name) else {
            throw ToolError("\(name) was not found on PATH; install OpenSSH's client tools (Debian: apt-get install openssh-client)")
        }
        return path
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> ToolResult {
        let result = try Command(executable, arguments).runBlocking()
        return ToolResult(status: result.status, stdout: result.output, stderr: result.errorOutput)
    }

    /// Runs `ssh-keygen` with `arguments`; a non-zero exit status is an error carrying its stderr.
    @discardableResult
    static func sshKeygen(_ arguments: [String]) throws -> String {
        let result = try run(try locate("ssh-keygen"), arguments)
        guard result.status == 0 else {
            throw ToolError("ssh-keygen \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    /// The fingerprint field of `ssh-keygen -l -E <hash> -f <file>`, e.g. `SHA256:…` or `MD5:…`,
    /// with the bit count and the type label in parentheses.
    static func fingerprint(of file: URL, hash: String) throws -> (bits: Int, fingerprint: String, label: String) {
        let output = try sshKeygen(["-l", "-E", hash, "-f", file.path]).trimmingWhitespaceForTests()
        let fields = output.split(separator: " ")
        guard fields.count >= 3, let bits = Int(fields[0]), let label = fields.last else {
            throw ToolError("unexpected ssh-keygen -l output: \(output)")
        }
        return (bits, String(fields[1]), String(label))
    }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sshkeys-tests-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `text` to `name` with the given POSIX permissions and returns its URL.
    @discardableResult
    func write(_ text: String, to name: String, permissions: Int = 0o644) throws -> URL {
        let target = file(name)
        try Data(text.utf8).write(to: target)
        guard chmod(target.path, mode_t(permissions)) == 0 else { throw ToolError("chmod \(target.path) failed") }
        return target
    }

    func read(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: file(name)), as: UTF8.self)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

extension String {
    func trimmingWhitespaceForTests() -> String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }

    /// The first two fields of a key line: `<type> <base64>`.
    var typeAndBase64: String {
        split(whereSeparator: { $0.isWhitespace }).prefix(2).joined(separator: " ")
    }
}
