import Foundation

/// Copy-on-write instance disks: an instance's root is an overlay whose read-only lower layer is its image's root and
/// whose upper layer, beside the instance's other files, holds only what the instance changed. Creating a disk is a
/// mount instead of a copy of thousands of files.
///
/// Every disk of one server is mounted under one tmpfs in /run (while any disk is; gone at a reboot, mounted again at
/// the next start),
/// so that a sandbox's mount namespace can drop all of them, with the network namespaces under /run/netns, in two
/// lazy unmounts (see ``narrowingPrefix(binding:)``): bubblewrap reads the whole mount table at every bind.
struct OverlayDisks: Sendable {
    /// The tmpfs holding one mount point per instance.
    let mountRoot: String
    /// Where a narrowed mount namespace binds the root a sandbox is given, after the host's disks are dropped.
    static let guestMount = "/run/keyward/guest"

    /// The disks of the sandbox directory `base`, when this host can mount overlays (root, the overlay file system, a
    /// base path the mount options can carry): nil otherwise, and instances' disks are copies.
    static func probe(base: String) -> OverlayDisks? {
        guard getuid() == 0, let filesystems = try? String(contentsOfFile: "/proc/filesystems", encoding: .utf8),
              filesystems.split(separator: "\n").contains(where: { $0.hasSuffix("\toverlay") }),
              !base.contains(where: { ",:\\=".contains($0) }) else { return nil }
        let disks = OverlayDisks(mountRoot: "/run/keyward/disks-" + Self.name(of: base))
        do {
            try disks.prepare()
            let trial = base + "/.overlay-probe"
            try? FileManager.default.removeItem(atPath: trial)
            defer { try? FileManager.default.removeItem(atPath: trial) }
            for directory in ["lower", "upper", "work"] {
                try FileManager.default.createDirectory(atPath: trial + "/" + directory, withIntermediateDirectories: true)
            }
            let point = disks.mountRoot + "/.probe"
            try disks.mount(lower: trial + "/lower", upper: trial + "/upper", work: trial + "/work", at: point)
            umount2(point, Int32(MNT_DETACH))
            rmdir(point)
            disks.release()
            return disks
        } catch {
            return nil
        }
    }

    /// A short stable name for a directory path (FNV-1a).
    static func name(of path: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in URL(fileURLWithPath: path).standardizedFileURL.path.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// Mounts the tmpfs once (a restart of the server finds it mounted) and makes the guest mount point.
    func prepare() throws {
        try FileManager.default.createDirectory(atPath: mountRoot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: Self.guestMount, withIntermediateDirectories: true)
        guard !Self.isMountPoint(mountRoot) else { return }
        guard Glibc.mount("keyward-disks", mountRoot, "tmpfs", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), "mode=0700,size=1m") == 0 else {
            throw DriverError.unavailable("cannot mount a tmpfs on \(mountRoot): \(String(cString: strerror(errno)))")
        }
    }

    /// Unmounts the tmpfs when no disk is mounted under it, so that a server without instances leaves no mount behind.
    func release() {
        guard Self.isMountPoint(mountRoot), ((try? FileManager.default.contentsOfDirectory(atPath: mountRoot)) ?? ["?"]).isEmpty else { return }
        umount2(mountRoot, Int32(MNT_DETACH))
        rmdir(mountRoot)
    }

    /// Where the instance's root is mounted.
    func mountPoint(_ instanceID: String) -> String { mountRoot + "/" + instanceID }

    func isMounted(_ instanceID: String) -> Bool { Self.isMountPoint(mountPoint(instanceID)) }

    /// Mounts the instance's disk: `lower` below the upper layer in `layer` (`upper` and `work`, made when new).
    func mount(_ instanceID: String, lower: String, layer: String) throws {
        for part in ["upper", "work"] {
            try FileManager.default.createDirectory(atPath: layer + "/" + part, withIntermediateDirectories: true)
        }
        try prepare()
        try mount(lower: lower, upper: layer + "/upper", work: layer + "/work", at: mountPoint(instanceID))
    }

    /// Makes `link` (the instance's `rootfs`, where a copied disk would be) name the instance's mount point.
    func link(_ instanceID: String, at link: String) throws {
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == mountPoint(instanceID) { return }
        try? FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: mountPoint(instanceID))
    }

    /// Mounts `lower` under `upper` (with its `work` directory on the same file system) at `point`, made if missing.
    func mount(lower: String, upper: String, work: String, at point: String) throws {
        mkdir(point, 0o755)
        let options = "lowerdir=\(lower),upperdir=\(upper),workdir=\(work)"
        guard Glibc.mount("overlay", point, "overlay", 0, options) == 0 else {
            let reason = String(cString: strerror(errno))
            rmdir(point)
            throw DriverError.unavailable("cannot mount the instance's disk at \(point): \(reason)")
        }
    }

    /// Detaches the instance's root (a sandbox still running keeps its own view until it ends) and removes its mount
    /// point; nothing mounted is no error.
    func unmount(_ instanceID: String) {
        let point = mountPoint(instanceID)
        while Self.isMountPoint(point), umount2(point, Int32(MNT_DETACH)) == 0 {}
        rmdir(point)
    }

    /// The words that run a command in a mount namespace of its own where `source` is bound at ``guestMount`` and
    /// every instance disk and network namespace of the host is gone (lazily unmounted; the host keeps its own).
    ///
    /// The three calls are made by perl's `syscall` (perl-base is on every Debian system): mount(8) and umount(8)
    /// read the whole mount table first, two lines per instance of the host, which made a thousand starts spend a
    /// third of their time there. Elsewhere, or without perl, the shell and util-linux do it.
    func narrowingPrefix(binding source: String) -> [String] {
        let namespace = ["/usr/bin/unshare", "--mount", "--propagation", "slave"]
        let targets = [source, Self.guestMount, "/run/netns", mountRoot]
        if let calls = Self.syscallNumbers, FileManager.default.isExecutableFile(atPath: "/usr/bin/perl") {
            let script = "syscall(\(calls.mount), $ARGV[0], $ARGV[1], 0, \(MS_BIND), 0) == 0 or die \"bind $ARGV[0]: $!\\n\"; "
                + "syscall(\(calls.umount2), $_, \(MNT_DETACH)) for @ARGV[2, 3]; splice(@ARGV, 0, 4); "
                + "exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\";"
            return namespace + ["/usr/bin/perl", "-e", script] + targets
        }
        return namespace + ["/bin/sh", "-c",
                            #"mount --bind "$1" "$2" || exit 1; umount -l "$3" 2>/dev/null; umount -l "$4" 2>/dev/null; shift 4; exec "$@""#,
                            "sh"] + targets
    }

    /// mount(2) and umount2(2) on this architecture.
    static var syscallNumbers: (mount: Int, umount2: Int)? {
        #if arch(x86_64)
        (165, 166)
        #elseif arch(arm64)
        (40, 39)
        #else
        nil
        #endif
    }

    /// Whether `path` is a directory on another file system than its parent's (the way this layout is mounted: no
    /// bind of a directory onto itself).
    static func isMountPoint(_ path: String) -> Bool {
        var entry = stat()
        var parent = stat()
        guard lstat(path, &entry) == 0, (entry.st_mode & S_IFMT) == S_IFDIR, stat(path + "/..", &parent) == 0 else { return false }
        return entry.st_dev != parent.st_dev
    }
}
