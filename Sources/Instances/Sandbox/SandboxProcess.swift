import Foundation

/// The running sandbox of an instance, as bubblewrap reported it through `--info-fd`: the host pid of the
/// sandbox's PID 1 and its PID namespace, which guards against pid reuse.
struct SandboxProcess: Sendable, Hashable {
    let pid: Int32
    let pidNamespace: UInt64

    /// Reads bubblewrap's info file; nil when absent or incomplete.
    static func read(infoFile: String) -> SandboxProcess? {
        FileManager.default.contents(atPath: infoFile).flatMap(parse)
    }

    /// Reads the first document of bubblewrap's status file (`--json-status-fd`), which names the guest as the info
    /// file does; nil when absent or incomplete.
    static func read(statusFile: String) -> SandboxProcess? {
        guard let data = FileManager.default.contents(atPath: statusFile) else { return nil }
        return parse(data[data.startIndex..<(data.firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex)])
    }

    private static func parse(_ data: Data) -> SandboxProcess? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let pid = (object["child-pid"] as? NSNumber)?.int32Value,
              let namespace = (object["pid-namespace"] as? NSNumber)?.uint64Value
        else { return nil }
        return SandboxProcess(pid: pid, pidNamespace: namespace)
    }

    /// Alive, not a zombie, and still the sandbox we started.
    var isAlive: Bool {
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/pid"),
              link == "pid:[\(pidNamespace)]"
        else { return false }
        return Self.isLiveProcess(pid)
    }

    static func isLiveProcess(_ pid: Int32) -> Bool {
        // The kernel's word first: /proc may be unreadable for a moment (a process in exec), which is no death.
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return true }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// Every host pid in the sandbox's PID namespace: its PID 1 and their descendants (an orphan inside is given to the
    /// namespace's PID 1). Read from each process's children list, not by a scan of every process of the host.
    var members: [Int32] {
        guard FileManager.default.fileExists(atPath: "/proc/\(pid)/task/\(pid)/children") else { return scannedMembers }
        var found: [Int32] = []
        var queue = [pid]
        while let next = queue.popLast(), found.count < 100_000 {
            found.append(next)
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(next)/task")) ?? []
            for task in tasks {
                guard let children = try? String(contentsOfFile: "/proc/\(next)/task/\(task)/children", encoding: .utf8) else { continue }
                queue += children.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
        }
        return found
    }

    /// The members found by the namespace link of every process of the host (a kernel without children lists).
    private var scannedMembers: [Int32] {
        let target = "pid:[\(pidNamespace)]"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/ns/pid")) == target
        }
    }

    /// Power-off: optionally SIGTERM to everything inside first, then SIGKILL to PID 1, which makes the kernel
    /// kill the whole namespace. Returns once PID 1 is gone.
    func terminate(graceful: Bool) async {
        if graceful {
            for member in members where member != pid { kill(member, SIGTERM) }
            for _ in 0..<50 where members.count > 1 {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        kill(pid, SIGKILL)
        for _ in 0..<2000 where Self.isLiveProcess(pid) {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
