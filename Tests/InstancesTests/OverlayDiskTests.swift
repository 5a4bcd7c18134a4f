import Foundation
@testable import Instances
import Logging
import Testing

/// Instance disks as overlays of their image (root only: they are mounts).
@Suite(.serialized, .enabled(if: getuid() == 0, "overlay disks are mounts: root only")) struct OverlayDiskTests {
    /// A sandbox directory with two images, each naming itself in /etc/hostname.
    struct Fixture {
        let base: String

        init() throws {
            base = FileManager.default.temporaryDirectory.appendingPathComponent("kw-disks-\(UUID().uuidString)").path
            for image in ["img-a", "img-b"] {
                let root = base + "/images/\(image)/rootfs"
                for directory in ["etc", "root", "home", "var"] {
                    try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
                }
                try Data("\(image)\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/hostname"))
                try Data("root:x:0:0::/root:/bin/sh\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/passwd"))
            }
        }

        var mountRoot: String { "/run/keyward/disks-" + OverlayDisks.name(of: base) }

        func driver() throws -> SandboxDriver {
            try SandboxDriver(base: base, network: .loopback(address: "127.0.0.1", portBase: 47_000), logger: Logger(label: "test"))
        }

        func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

        func root(_ driver: SandboxDriver, _ id: String) throws -> String {
            try #require(driver.localRoot(instanceID: id)).path
        }

        /// Unmounts whatever the test left and removes the directory.
        func remove() {
            while OverlayDisks.isMountPoint(mountRoot), umount2(mountRoot, Int32(MNT_DETACH)) == 0 {}
            rmdir(mountRoot)
            try? FileManager.default.removeItem(atPath: base)
        }
    }

    @Test func aDiskIsAMountOverItsImageThatNeverWritesTheImage() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let driver = try fixture.driver()
        _ = try await driver.createDisk(instanceID: "i-1", imageID: "img-a")
        let root = try fixture.root(driver, "i-1")
        #expect(root == fixture.mountRoot + "/i-1")
        #expect(OverlayDisks.isMountPoint(root))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: fixture.base + "/instances/i-1/rootfs") == root)
        #expect(fixture.read(root + "/etc/hostname") == "img-a\n")

        try Data("changed\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/hostname"))
        try Data("new\n".utf8).write(to: URL(fileURLWithPath: root + "/root/note"))
        #expect(fixture.read(root + "/etc/hostname") == "changed\n")
        #expect(fixture.read(fixture.base + "/images/img-a/rootfs/etc/hostname") == "img-a\n")
        #expect(!FileManager.default.fileExists(atPath: fixture.base + "/images/img-a/rootfs/root/note"))
        #expect(fixture.read(fixture.base + "/instances/i-1/disk-0/upper/etc/hostname") == "changed\n")

        try await driver.destroy(instanceID: "i-1")
        #expect(!OverlayDisks.isMountPoint(root))
        #expect(!FileManager.default.fileExists(atPath: fixture.base + "/instances/i-1"))
        #expect(fixture.read(fixture.base + "/images/img-a/rootfs/etc/hostname") == "img-a\n")
        // No disk left: no mount left on the host either.
        #expect(!OverlayDisks.isMountPoint(fixture.mountRoot))
    }

    @Test func aServerWithoutDisksLeavesNoMount() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        _ = try fixture.driver()
        #expect(!FileManager.default.fileExists(atPath: fixture.mountRoot))
    }

    @Test func aNarrowedNamespaceSeesItsOwnDiskAndNoOtherMountOfTheHost() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let driver = try fixture.driver()
        _ = try await driver.createDisk(instanceID: "i-1", imageID: "img-a")
        _ = try await driver.createDisk(instanceID: "i-2", imageID: "img-b")
        let disks = OverlayDisks(mountRoot: fixture.mountRoot)
        let argv = disks.narrowingPrefix(binding: try fixture.root(driver, "i-1"))
            + ["/bin/sh", "-c", "cat \(OverlayDisks.guestMount)/etc/hostname; cat /proc/self/mountinfo"]
        let result = try Command(argv[0], Array(argv.dropFirst())).runBlocking()
        #expect(result.succeeded, "\(result.errorOutput)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.first == "img-a")
        #expect(lines.contains { $0.contains(" \(OverlayDisks.guestMount) ") })
        #expect(!lines.contains { $0.contains(fixture.mountRoot) })
        #expect(!lines.contains { $0.contains(" /run/netns") })
        // The host keeps both disks.
        #expect(disks.isMounted("i-1") && disks.isMounted("i-2"))
        try await driver.destroy(instanceID: "i-1")
        try await driver.destroy(instanceID: "i-2")
    }

    @Test func aReplacedDiskStartsEmptyOverTheNewImage() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let driver = try fixture.driver()
        _ = try await driver.createDisk(instanceID: "i-1", imageID: "img-a")
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: try fixture.root(driver, "i-1") + "/root/note"))

        try await driver.replaceDisk(instanceID: "i-1", imageID: "img-b")
        let root = try fixture.root(driver, "i-1")
        #expect(fixture.read(root + "/etc/hostname") == "img-b\n")
        #expect(!FileManager.default.fileExists(atPath: root + "/root/note"))
        #expect(!FileManager.default.fileExists(atPath: fixture.base + "/instances/i-1/disk-0"))
        #expect(FileManager.default.fileExists(atPath: fixture.base + "/instances/i-1/disk-1/upper"))
        let meta = try #require(SandboxMeta.read(path: fixture.base + "/instances/i-1/meta.json"))
        #expect(meta.disk == DiskLayer(image: "img-b", generation: 1))
        try await driver.destroy(instanceID: "i-1")
    }

    @Test func aDeletedImageStaysWhileADiskReadsIt() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let driver = try fixture.driver()
        _ = try await driver.createDisk(instanceID: "i-1", imageID: "img-a")
        try await driver.deleteImage(imageID: "img-a")
        try await driver.deleteImage(imageID: "img-b")
        #expect(!FileManager.default.fileExists(atPath: fixture.base + "/images/img-b"))
        #expect(FileManager.default.fileExists(atPath: fixture.base + "/images/img-a/retired"))
        #expect(fixture.read(try fixture.root(driver, "i-1") + "/etc/hostname") == "img-a\n")

        try await driver.destroy(instanceID: "i-1")
        #expect(!FileManager.default.fileExists(atPath: fixture.base + "/images/img-a"))
    }

    @Test func aRestartAfterAHostRebootMountsEveryDiskAgain() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let first = try fixture.driver()
        _ = try await first.createDisk(instanceID: "i-1", imageID: "img-a")
        _ = try await first.createDisk(instanceID: "i-2", imageID: "img-b")
        try Data("kept\n".utf8).write(to: URL(fileURLWithPath: try fixture.root(first, "i-1") + "/root/note"))
        try await first.deleteImage(imageID: "img-b")
        // A replacement that died before it recorded its new layer left one no instance uses.
        try FileManager.default.createDirectory(atPath: fixture.base + "/instances/i-1/disk-1/upper", withIntermediateDirectories: true)

        // The reboot: /run is empty again.
        umount2(fixture.mountRoot, Int32(MNT_DETACH))
        #expect(first.localRoot(instanceID: "i-1") == nil)

        let second = try fixture.driver()
        #expect(fixture.read(try fixture.root(second, "i-1") + "/root/note") == "kept\n")
        #expect(fixture.read(try fixture.root(second, "i-2") + "/etc/hostname") == "img-b\n")
        #expect(!FileManager.default.fileExists(atPath: fixture.base + "/instances/i-1/disk-1"))
        #expect(FileManager.default.fileExists(atPath: fixture.base + "/images/img-b/retired"))
        try await second.destroy(instanceID: "i-2")
        #expect(!FileManager.default.fileExists(atPath: fixture.base + "/images/img-b"))
        try await second.destroy(instanceID: "i-1")
    }
}

/// A guest file that is a mount point (a bind-mounted file) is rewritten in place: renaming over it fails with EBUSY.
@Suite(.enabled(if: getuid() == 0, "bind mounts: root only")) struct MountedGuestFileTests {
    @Test func aBindMountedShadowIsRewrittenInPlace() throws {
        let guest = try GuestFixture()
        defer { guest.remove() }
        let source = guest.path + "/shadow.source"
        try FileManager.default.copyItem(atPath: guest.path + "/etc/shadow", toPath: source)
        try #require(mount(source, guest.path + "/etc/shadow", nil, UInt(MS_BIND), nil) == 0)
        defer { umount2(guest.path + "/etc/shadow", 0) }
        _ = try guest.applier().apply(DesiredCredentials(authorizedKeys: [], passwordHash: GuestFixture.aliceHash, passwordAuthentication: true, hostname: nil))
        let written = try String(contentsOfFile: source, encoding: .utf8)
        #expect(written.contains("root:" + GuestFixture.aliceHash + ":"))
        #expect(try String(contentsOfFile: guest.path + "/etc/shadow", encoding: .utf8) == written)
    }
}
