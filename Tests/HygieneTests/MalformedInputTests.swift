import Foundation
import Hygiene
import Testing

/// Broken archives, links out of the image, loops, unreadable and huge files: the scan completes, says what it
/// could not examine, and never reads anything outside the image.
@Suite struct MalformedInputTests {
    /// A file outside the image that looks like an authorized key: if a link out were followed, its comment
    /// would show up in a finding.
    private func plantHostMarker(near image: GeneratedImage) throws -> (path: String, marker: String) {
        let marker = "HOST-MARKER-" + UUID().uuidString
        let keyLine = try image.read("/home/alice/.ssh/authorized_keys").split(separator: "\n")[0]
        let fields = keyLine.split(separator: " ")
        let path = image.scratch.file("outside-authorized_keys")
        try Data("\(fields[0]) \(fields[1]) \(marker)\n".utf8).write(to: URL(fileURLWithPath: path))
        return (path, marker)
    }

    private func rendered(_ report: ScanReport) -> String {
        TextReportRenderer(color: false).render(report) + JSONReportRenderer.render(report) + SARIFRenderer.render(report)
    }

    @Test func linksLeadingOutOfTheImageAreNeverFollowed() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let outside = try plantHostMarker(near: image)
        try image.link("/root/.ssh/authorized_keys2", to: outside.path)  // absolute: means the image's own path
        try image.link("/opt/svc/.ssh/authorized_keys2", to: String(repeating: "../", count: 12) + String(outside.path.dropFirst()))
        try image.link("/etc/ssh/sshd_config.d/60-host.conf", to: "/etc/hostname")
        try image.link("/home/guest/.bash_history", to: "../../../../../../../../etc/hostname")

        let report = try ImageScanner().scan(path: image.root)
        let text = rendered(report)
        #expect(!text.contains(outside.marker))
        #expect(report.notes.contains { $0.path == "/opt/svc/.ssh/authorized_keys2" && $0.message.contains("leads out of the image root") },
                "\(report.notes)")
        #expect(report.notes.contains { $0.path == "/root/.ssh/authorized_keys2" && $0.message.contains("points to nothing in the image") },
                "\(report.notes)")
        if let hostname = try? String(contentsOfFile: "/etc/hostname", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           hostname.count >= 6 {
            #expect(!text.contains(hostname))
        }
        // Everything planted is still found.
        let missing = Planted.findings.filter { !report.located.contains($0) }
        #expect(missing.isEmpty, "not reported: \(missing)")
    }

    @Test func symlinkLoopBecomesANote() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        try image.link("/home/guest/.ssh/authorized_keys", to: "loop-b")
        try image.link("/home/guest/.ssh/loop-b", to: "authorized_keys")
        try image.link("/etc/ssh/sshd_config.d/70-loop.conf", to: "/etc/ssh/sshd_config.d/70-loop.conf")

        let report = try ImageScanner().scan(path: image.root)
        #expect(report.notes.contains { $0.path == "/home/guest/.ssh/authorized_keys" && $0.message.contains("too many symbolic links") },
                "\(report.notes)")
        #expect(report.findings(of: .authorizedKey).count == 4)
    }

    @Test func danglingDirectoryLinkAndUnreadableFile() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        // The drop-in directory replaced by a link to nothing: the drop-in's PasswordAuthentication yes is gone,
        // so the OpenSSH default (yes) applies, reported at the main file.
        try FileManager.default.removeItem(atPath: image.path("/etc/ssh/sshd_config.d"))
        try image.link("/etc/ssh/sshd_config.d", to: "/nonexistent/sshd_config.d")
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: image.path("/etc/shadow"))

        let report = try ImageScanner().scan(path: image.root)
        #expect(report.notes.contains { $0.message.contains("Include /etc/ssh/sshd_config.d/*.conf matches no file") }, "\(report.notes)")
        let password = try #require(report.findings(of: .sshdPasswordAuthentication).first)
        #expect(password.path == "/etc/ssh/sshd_config" && password.line == nil)
        if Host.isRoot {
            // root reads mode 000 files: the shadow findings are all there.
            #expect(report.located.contains(Located(.emptyPassword, "/etc/shadow", 6)))
        } else {
            #expect(report.notes.contains { $0.path == "/etc/shadow" && $0.message.contains("permission denied") }, "\(report.notes)")
            #expect(report.findings(of: .emptyPassword).isEmpty)
        }
    }

    @Test func hugeAndBinaryFilesAreBounded() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        var generator = SystemRandomNumberGenerator()
        let junk = Data((0..<(5 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try junk.write(to: URL(fileURLWithPath: image.path("/tmp/junk.bin")))
        try junk.write(to: URL(fileURLWithPath: image.path("/opt/junk.bin")))
        var big = Data(repeating: UInt8(ascii: "a"), count: 3 << 20)
        big.append(Data("\npassword=FarBeyondTheLimit\n".utf8))
        try big.write(to: URL(fileURLWithPath: image.path("/tmp/big.txt")))

        let archive = try image.archive(gzip: true)
        for target in [image.root, archive] {
            let report = try ImageScanner().scan(path: target)
            #expect(report.notes.contains { $0.path == "/tmp/junk.bin" && $0.message.contains("binary") }, "\(target): \(report.notes)")
            #expect(report.notes.contains { $0.path == "/tmp/big.txt" && $0.message.contains("only the beginning") }, "\(target): \(report.notes)")
            #expect(report.finding(.secretInTemporaryFile, "/tmp/big.txt") == nil, "content beyond 1 MiB is not read")
            #expect(report.findings(of: .privateKey).count == 6)
        }
    }

    @Test(arguments: [false, true])
    func truncatedArchiveCompletesWithANote(gzip: Bool) throws {
        let image = try GeneratedImage(filler: 200)
        defer { image.remove() }
        let archive = try image.archive(gzip: gzip)
        let attributes = try FileManager.default.attributesOfItem(atPath: archive)
        let size = integer(attributes[.size])
        #expect(size > 10_000)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: archive))
        try handle.truncate(atOffset: UInt64(size * 6 / 10))
        try handle.close()

        let report = try ImageScanner().scan(path: archive)
        #expect(report.notes.contains { $0.message.contains("ends early") || $0.message.contains("end-of-archive marker") || $0.message.contains("gzip") },
                "\(report.notes)")
        #expect(report.findings.count > 0)
    }

    @Test func hostileArchiveMembersStayInsideTheImage() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let outside = try plantHostMarker(near: image)
        let script = """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "w") as archive:
                def add(name, data):
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
                def link(name, target, kind=tarfile.SYMTYPE):
                    info = tarfile.TarInfo(name)
                    info.type = kind
                    info.linkname = target
                    archive.addfile(info)
                add("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\\n")
                add("../../escape/.bash_history", b"mysql -pEscaped1\\n")
                add("/abs/.bash_history", b"ls\\n")
                link("root/.ssh/authorized_keys", sys.argv[2])
                link("etc/shadow", "/etc/shadow-of-host-not-in-image")
                link("home/x/.ssh/authorized_keys", "../../../../../../.." + sys.argv[2])
                link("home/y/.ssh/authorized_keys", "../../../../../outside", tarfile.LNKTYPE)
            """
        let archive = image.scratch.file("hostile.tar")
        try Tools.python(script, [archive, outside.path])
        let report = try ImageScanner().scan(path: archive)
        let text = rendered(report)

        #expect(!text.contains(outside.marker))
        #expect(report.notes.contains { $0.message.contains("climbs out of the image root") }, "\(report.notes)")
        #expect(report.notes.contains { $0.path == "/home/x/.ssh/authorized_keys" && $0.message.contains("leads out") }, "\(report.notes)")
        #expect(report.findings.allSatisfy { !$0.path.contains("..") })
        #expect(report.located.contains(Located(.historyFile, "/abs/.bash_history")))
        #expect(report.findings(of: .secretInHistory).isEmpty, "the escaping member is skipped")
    }

    @Test func targetsThatAreNotImagesAreTargetErrors() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: scratch.file("junk")))
        #expect(throws: ScanTargetError.self) { try ImageScanner().scan(path: scratch.file("junk")) }
        #expect(throws: ScanTargetError.notFound(path: scratch.file("absent"))) { try ImageScanner().scan(path: scratch.file("absent")) }
    }
}
