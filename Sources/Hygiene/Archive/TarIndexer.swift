/// Turns one pass over a tar stream into a ``FilesystemCapture``: every member's metadata, and the contents the
/// retention policy asks for (by path, by name, or because the first bytes carry private key armour or are
/// cloud-init user data).
struct TarIndexer {
    let policy: RetentionPolicy
    let stripComponents: Int
    private var capture = FilesystemCapture()
    private var positions: [String: Int] = [:]
    private var retainedBytes = 0

    init(policy: RetentionPolicy, stripComponents: Int) {
        self.policy = policy
        self.stripComponents = stripComponents
    }

    /// Reads the whole stream; an unreadable stream ends the pass with a note and keeps what was read.
    mutating func index(_ source: any ByteSource, progress: (ScanProgress) -> Void) -> FilesystemCapture {
        var reader = TarReader(source: source)
        var members = 0
        do {
            while let member = try reader.nextMember() {
                members += 1
                try add(member, from: &reader)
                if members % 1000 == 0 { progress(ScanProgress(entries: capture.entries.count, bytes: reader.position)) }
            }
            if !reader.sawEndMarker {
                capture.notes.append(ScanNote(path: nil, message: "the archive ends without an end-of-archive marker; it may be truncated"))
            }
        } catch {
            capture.notes.append(ScanNote(path: nil, message: "archive read stopped after \(members) members: \(error)"))
        }
        for warning in reader.warnings {
            capture.notes.append(ScanNote(path: nil, message: warning))
        }
        progress(ScanProgress(entries: capture.entries.count, bytes: reader.position))
        return capture
    }

    private mutating func add(_ member: TarMember, from reader: inout TarReader) throws(TarError) {
        guard let path = ImagePath.archiveMemberPath(member.name, stripComponents: stripComponents) else {
            capture.notes.append(ScanNote(path: member.name, message: "archive member climbs out of the image root with '..'; skipped"))
            return
        }
        guard path != "/" else { return }
        let kind: FileEntry.Kind
        var size: Int64 = 0
        switch member.kind {
        case .regular:
            kind = .regular
            size = member.size
            try retain(path, size: size, from: &reader)
        case .hardLink:
            kind = .regular
            if let target = ImagePath.archiveMemberPath(member.linkName, stripComponents: stripComponents),
               let index = positions[target], capture.entries[index].isRegular {
                size = capture.entries[index].size
                if let data = capture.retained[target] { capture.retained[path] = data }
                if capture.keyCandidates.contains(target) { capture.keyCandidates.insert(path) }
                if capture.cloudConfigCandidates.contains(target) { capture.cloudConfigCandidates.insert(path) }
            } else {
                capture.notes.append(ScanNote(path: path, message: "hard link to \(member.linkName), which is not an earlier regular member"))
            }
        case .symlink:
            kind = .symlink(target: member.linkName)
        case .directory:
            kind = .directory
        case .other(let name):
            kind = .other(name)
        }
        let entry = FileEntry(path: path, kind: kind, size: size, permissions: member.mode, uid: member.uid, gid: member.gid)
        if let index = positions[path] {
            // A later member replaces an earlier one, as extraction would.
            capture.entries[index] = entry
            if kind != .regular {
                capture.retained[path] = nil
                capture.keyCandidates.remove(path)
                capture.cloudConfigCandidates.remove(path)
            }
        } else {
            positions[path] = capture.entries.count
            capture.entries.append(entry)
        }
    }

    /// Keeps the member's content when a rule will read it; otherwise only sniffs its first bytes.
    private mutating func retain(_ path: String, size: Int64, from reader: inout TarReader) throws(TarError) {
        let byName = policy.isKeyCandidateByName(path)
        if byName { capture.keyCandidates.insert(path) }
        if policy.retainsByPath(path) || byName || policy.retainsAsLinkTarget(path, size: size) {
            let data = try reader.readData(limit: policy.maximumFileBytes)
            // The same sniff a directory walk makes, so both sources find the same key and user-data files.
            if !byName && size > 0 {
                let head = Array(data.bytes.prefix(policy.sniffBytes))
                if RetentionPolicy.containsPrivateKeyMarker(head) { capture.keyCandidates.insert(path) }
                if UserData.kind(ofHead: head) != nil { capture.cloudConfigCandidates.insert(path) }
            }
            keep(path, data)
            return
        }
        guard size > 0 else { return }
        let head = try reader.readData(limit: policy.sniffBytes)
        let isKey = RetentionPolicy.containsPrivateKeyMarker(head.bytes)
        let isUserData = UserData.kind(ofHead: head.bytes) != nil
        guard isKey || isUserData else { return }
        if isKey { capture.keyCandidates.insert(path) }
        if isUserData { capture.cloudConfigCandidates.insert(path) }
        guard head.truncated else {
            keep(path, head)
            return
        }
        // cloud-init user data above the limit is skipped by its rule, not read in part.
        guard isKey || size <= Int64(policy.maximumFileBytes) else { return }
        let rest = try reader.readData(limit: policy.maximumFileBytes - head.bytes.count)
        keep(path, FileData(bytes: head.bytes + rest.bytes, truncated: rest.truncated))
    }

    private mutating func keep(_ path: String, _ data: FileData) {
        guard retainedBytes + data.bytes.count <= policy.maximumRetainedBytes else {
            capture.notes.append(ScanNote(path: path, message: "not examined: more than \(policy.maximumRetainedBytes) bytes of content already kept from the archive"))
            capture.retained[path] = nil
            return
        }
        retainedBytes += data.bytes.count
        capture.retained[path] = data
    }
}
