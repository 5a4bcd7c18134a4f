import Foundation
import Instances
import Testing

@Suite struct GuestFilesTests {
    @Test func linksResolveInsideTheGuestAndOnlyRegularFilesAreRead() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("guest-files-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try "guest\n".write(toFile: root + "/etc/hostname", atomically: true, encoding: .utf8)
        // Absolute and climbing targets mean the guest's own files, never the host's.
        try FileManager.default.createSymbolicLink(atPath: root + "/absolute", withDestinationPath: "/etc/hostname")
        try FileManager.default.createSymbolicLink(atPath: root + "/climbing", withDestinationPath: "../../../../etc/hostname")
        try FileManager.default.createSymbolicLink(atPath: root + "/missing", withDestinationPath: "/etc/passwd")
        #expect(mkfifo(root + "/fifo", 0o600) == 0)

        #expect(GuestFiles.text(guestRoot: root, path: "/absolute") == "guest\n")
        #expect(GuestFiles.text(guestRoot: root, path: "/climbing") == "guest\n")
        #expect(GuestFiles.text(guestRoot: root, path: "/missing") == nil, "the host's /etc/passwd must not be read")
        #expect(GuestFiles.read(guestRoot: root, path: "/fifo") == nil)
        #expect(GuestFiles.read(guestRoot: root, path: "/etc") == nil)
    }
}
