import Foundation
import Synchronization
import Instances

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the test environment, with what to fix.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the system temporary directory; `remove()` deletes it.
struct Scratch: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("hygiene-tests-" + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() {
        // Make everything removable first (tests chmod 000 some entries).
        if let chmod = try? Tools.locate("chmod") { _ = try? Tools.run(chmod, ["-R", "u+rwx", path]) }
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs host tools. Output goes through temporary files rather than pipes: a signal interrupting a pipe read
/// (EINTR) would abort Foundation's pipe reading.
enum Tools {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func locate(_ name: String) throws -> String {
        guard let path = Command.locate(name) else { throw FixtureError("\(name) was not found on PATH; install it to run the image hygiene tests") }
        return path
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let result = try Command(executable, arguments).runBlocking()
        return Result(status: result.status, stdout: result.output, stderr: result.errorOutput)
    }

    /// Runs a tool and requires exit status 0.
    @discardableResult
    static func check(_ name: String, _ arguments: [String]) throws -> String {
        let result = try run(try locate(name), arguments)
        guard result.status == 0 else {
            throw FixtureError("\(name) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    /// Runs a Python script given as text.
    @discardableResult
    static func python(_ script: String, _ arguments: [String] = []) throws -> String {
        try check("python3", ["-c", script] + arguments)
    }
}

/// What the generator planted, and what must never show up in a report.
struct Manifest: Decodable, Sendable {
    struct Planted: Decodable, Sendable {
        let path: String
        let kind: String
    }

    let planted: [Planted]
    let secrets: [String]
    let hashes: [String]
    let privateKeyLines: [String]

    enum CodingKeys: String, CodingKey {
        case planted, secrets, hashes
        case privateKeyLines = "private_key_lines"
    }

    /// Everything a report must not contain.
    var forbiddenStrings: [String] { secrets + hashes + privateKeyLines }
}

/// A root filesystem tree in a scratch directory, and what tests do with one.
protocol ImageTree {
    var scratch: Scratch { get }
    /// The host directory that is the image root.
    var root: String { get }
}

extension ImageTree {
    func path(_ imagePath: String) -> String { root + imagePath }

    func read(_ imagePath: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path(imagePath))), as: UTF8.self)
    }

    func write(_ text: String, to imagePath: String, mode: Int = 0o644) throws {
        let full = path(imagePath)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
    }

    func link(_ imagePath: String, to target: String) throws {
        let full = path(imagePath)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: full)
        try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target)
    }

    /// `tar` of the tree (members `./…`), gzip-compressed when asked.
    func archive(gzip: Bool) throws -> String {
        let output = scratch.file(gzip ? "image.tar.gz" : "image.tar")
        try Tools.check("tar", ["-C", root, gzip ? "-czf" : "-cf", output, "."])
        return output
    }

    func remove() { scratch.remove() }
}

/// A root filesystem tree made by Fixtures/make_image_tree.py.
struct GeneratedImage: ImageTree {
    static let generator = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/make_image_tree.py")
        .path

    let scratch: Scratch
    let root: String
    let manifest: Manifest

    /// A fresh copy of the tree the generator makes with `filler` filler files. The generator runs once per run and
    /// size (it makes several RSA keys); each test gets a copy of its own to change.
    init(filler: Int = 60) throws {
        scratch = try Scratch()
        root = scratch.file("rootfs")
        let template = try Self.template(filler: filler)
        try Tools.check("cp", ["-a", template.root, root])
        try Tools.check("cp", [template.manifestPath, scratch.file("manifest.json")])
        manifest = template.manifest
    }

    private struct Template: Sendable {
        let root: String
        let manifestPath: String
        let manifest: Manifest
    }

    private static let templates = Mutex<[Int: Template]>([:])
    private static let templateScratch = Mutex<Scratch?>(nil)

    private static func template(filler: Int) throws -> Template {
        try templates.withLock { templates in
            if let known = templates[filler] { return known }
            let scratch = try templateScratch.withLock { scratch in
                if let scratch { return scratch }
                let made = try Scratch()
                scratch = made
                atexit { GeneratedImage.templateScratch.withLock { $0?.remove() } }
                return made
            }
            let root = scratch.file("rootfs-\(filler)")
            let manifestPath = scratch.file("manifest-\(filler).json")
            try Tools.check("python3", [generator, root, "--filler", String(filler), "--manifest", manifestPath])
            let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
            let template = Template(root: root, manifestPath: manifestPath, manifest: manifest)
            templates[filler] = template
            return template
        }
    }
}

/// A small tree holding just the files a test writes.
struct HandMadeImage: ImageTree {
    let scratch: Scratch
    let root: String

    /// Writes `files` (image path → content) into a fresh tree.
    init(_ files: [String: String] = [:]) throws {
        scratch = try Scratch()
        root = scratch.file("rootfs")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (imagePath, text) in files { try write(text, to: imagePath) }
    }
}

/// Everything about a directory tree that a sanitize run could change: type, mode, owner, content, link target.
struct TreeState: Equatable {
    let items: [String: String]

    init(_ root: String) throws {
        var items: [String: String] = [:]
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: root) else { throw FixtureError("cannot enumerate \(root)") }
        for case let relative as String in enumerator {
            let full = root + "/" + relative
            let attributes = try manager.attributesOfItem(atPath: full)
            let type = attributes[.type] as? FileAttributeType
            let mode = integer(attributes[.posixPermissions])
            let owner = integer(attributes[.ownerAccountID])
            let group = integer(attributes[.groupOwnerAccountID])
            var description = "\(type?.rawValue ?? "?") \(mode) \(owner):\(group)"
            if type == .typeSymbolicLink {
                description += " -> " + ((try? manager.destinationOfSymbolicLink(atPath: full)) ?? "?")
            } else if type == .typeRegular {
                description += " " + ((try? Data(contentsOf: URL(fileURLWithPath: full))).map { $0.base64EncodedString() } ?? "unreadable")
            }
            items[relative] = description
        }
        self.items = items
    }
}

/// Ownership and mode of a host file, as `lstat` reports them.
struct FileOwnership: Equatable, CustomStringConvertible {
    let mode: Int
    let uid: Int
    let gid: Int

    init(_ path: String) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        mode = integer(attributes[.posixPermissions])
        uid = integer(attributes[.ownerAccountID])
        gid = integer(attributes[.groupOwnerAccountID])
    }

    var description: String { "\(String(mode, radix: 8)) \(uid):\(gid)" }
}

enum Host {
    static var isRoot: Bool { getuid() == 0 }
    static var userID: Int { Int(getuid()) }
    static var groupID: Int { Int(getgid()) }
}

/// A numeric file attribute, whichever integer type (or NSNumber) Foundation stored it as; -1 when absent.
func integer(_ value: Any?) -> Int {
    switch value {
    case let number as Int: number
    case let number as UInt: Int(number)
    case let number as UInt16: Int(number)
    case let number as UInt32: Int(number)
    case let number as Int32: Int(number)
    case let number as UInt64: Int(number)
    case let number as Int64: Int(number)
    case let number as NSNumber: number.intValue
    default: -1
    }
}
