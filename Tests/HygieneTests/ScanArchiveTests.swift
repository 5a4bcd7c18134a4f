import Foundation
import Hygiene
import Testing

@Suite struct ScanArchiveTests {
    @Test(arguments: [false, true])
    func archiveScanFindsWhatTheDirectoryScanFinds(gzip: Bool) throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let directory = try ImageScanner().scan(path: image.root)
        let archivePath = try image.archive(gzip: gzip)
        let archive = try ImageScanner().scan(path: archivePath)

        #expect(archive.targetKind == (gzip ? "tar.gz" : "tar"))
        #expect(Set(archive.findings) == Set(directory.findings),
                "only in archive: \(Set(archive.located).subtracting(directory.located)); only in directory: \(Set(directory.located).subtracting(archive.located))")
        #expect(!archive.notes.contains { $0.message.contains("truncated") || $0.message.contains("ends early") })
    }

    /// An archive held in memory (an upload) is read as the same file would be, and refused in the same words.
    @Test(arguments: [false, true])
    func anArchiveInMemoryScansAsItsFileDoes(gzip: Bool) throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let archivePath = try image.archive(gzip: gzip)
        let fromFile = try ImageScanner().scan(path: archivePath)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: archivePath)))
        let inMemory = ImageScanner().scan(try TarRoot(bytes: bytes, name: "upload.tar"))

        #expect(inMemory.targetKind == (gzip ? "tar.gz" : "tar"))
        #expect(Set(inMemory.findings) == Set(fromFile.findings))
        #expect(!inMemory.findings.isEmpty)
        #expect(throws: ScanTargetError.unsupported(path: "upload.tar", reason: "not a directory, a tar archive or a gzip-compressed tar archive")) {
            try TarRoot(bytes: Array("plain text, not an archive".utf8), name: "upload.tar")
        }
        #expect(throws: ScanTargetError.unsupported(path: "upload.tar", reason: "xz-compressed; decompress it first")) {
            try TarRoot(bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2], name: "upload.tar")
        }
    }

    @Test func stripComponentsDropsTheTopDirectory() throws {
        let image = try GeneratedImage()
        defer { image.remove() }
        let archive = image.scratch.file("nested.tar.gz")
        try Tools.check("tar", ["-C", image.scratch.path, "-czf", archive, "rootfs"])
        let report = try ImageScanner().scan(path: archive, stripComponents: 1)
        let missing = Planted.findings.filter { !report.located.contains($0) }
        #expect(missing.isEmpty, "not reported: \(missing)")
    }

    @Test func paxAndGNULongNamesAreApplied() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let directory = "home/" + String(repeating: "d", count: 120) + "/deeper/" + String(repeating: "e", count: 60)
        let script = """
            import io, sys, tarfile
            def add(archive, name, data):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            for path, form in ((sys.argv[1], tarfile.PAX_FORMAT), (sys.argv[2], tarfile.GNU_FORMAT)):
                with tarfile.open(path, "w", format=form) as archive:
                    add(archive, sys.argv[3] + "/.bash_history", b"ls\\nmysql -uroot -pLongSecret1 db\\n")
                    add(archive, "etc/passwd", b"root:x:0:0:root:/root:/bin/bash\\n")
            """
        try Tools.python(script, [scratch.file("pax.tar"), scratch.file("gnu.tar"), directory])
        for name in ["pax.tar", "gnu.tar"] {
            let report = try ImageScanner().scan(path: scratch.file(name))
            let path = "/" + directory + "/.bash_history"
            #expect(report.located.contains(Located(.secretInHistory, path, 2)), "\(name): \(report.located)")
            #expect(report.located.contains(Located(.historyFile, path)), "\(name)")
        }
    }

    @Test func symlinksAndHardLinksInsideTheArchiveResolveInsideTheImage() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let script = """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "w") as archive:
                def add(name, data):
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
                add("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\\nadmin:x:1000:1000::/srv/admin:/bin/sh\\n")
                add("etc/shadow.real", b"root:$1$saltsalt$kberzZ02RciEsDsLvmaij0:19500::::::\\nadmin:*:19500::::::\\n")
                link = tarfile.TarInfo("etc/shadow")
                link.type = tarfile.SYMTYPE
                link.linkname = "/etc/shadow.real"
                archive.addfile(link)
                hard = tarfile.TarInfo("etc/ssh/sshd_config")
                hard.type = tarfile.LNKTYPE
                hard.linkname = "etc/sshd_config.real"
                add("etc/sshd_config.real", b"PasswordAuthentication no\\nPermitRootLogin yes\\n")
                archive.addfile(hard)
            """
        try Tools.python(script, [scratch.file("links.tar")])
        let report = try ImageScanner().scan(path: scratch.file("links.tar"))
        #expect(report.located.contains(Located(.weakPasswordHash, "/etc/shadow", 1)), "\(report.located)")
        #expect(report.findings(of: .sshdPasswordAuthentication).isEmpty, "\(report.located)")
        #expect(report.findings(of: .sshdPermitRootLogin).first?.severity == .medium)
        #expect(report.located.contains(Located(.humanUser, "/etc/passwd", 2)))
    }
}
