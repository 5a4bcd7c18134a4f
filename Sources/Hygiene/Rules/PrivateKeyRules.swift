/// A file holding one or more private keys.
public struct PrivateKeyFile: Sendable, Hashable {
    public let path: String
    public let keys: [PrivateKeyReport]
}

/// KW-KEYS-003: private keys anywhere in the image (host keys have their own rule).
public struct PrivateKeyRules: ImageRule {
    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        // cloud-init files report their keys themselves, with what cloud-init does with them.
        let cloudFiles = Set(CloudConfigRules.documents(in: context.snapshot).map(\.path))
        for file in Self.keyFiles(in: context.snapshot, excluding: cloudFiles, notes: &output.notes) {
            for key in file.keys {
                output.add(.privateKey(key, path: file.path, line: key.line))
            }
        }
        return output
    }

    /// Every file (other than SSH host keys and `excluding`) holding private key armour, sorted by path.
    public static func keyFiles(in snapshot: ImageSnapshot, excluding: Set<String> = [], notes: inout [ScanNote]) -> [PrivateKeyFile] {
        var files: [PrivateKeyFile] = []
        for path in snapshot.keyCandidates.sorted(by: ImagePath.precedes) where !HostKeyRules.isHostKeyPath(path) && !excluding.contains(path) {
            switch snapshot.data(at: path) {
            case .success(let data):
                if data.truncated {
                    notes.append(ScanNote(path: path, message: "larger than \(snapshot.policy.maximumFileBytes) bytes; only the beginning was examined"))
                }
                let keys = PrivateKeyInspector.inspect(data.bytes)
                if !keys.isEmpty { files.append(PrivateKeyFile(path: path, keys: keys)) }
            case .failure(let failure):
                if !failure.isMissing { notes.append(ScanNote(path: path, message: failure.description)) }
            }
        }
        return files
    }
}

extension Finding {
    /// A KW-KEYS-003 finding for `key`: critical when it needs no passphrase, high otherwise.
    /// - Parameter context: where the key is, appended to its summary (e.g. "in cloud-init configuration").
    static func privateKey(_ key: PrivateKeyReport, path: String, line: Int, context: String? = nil, remediation: String? = nil) -> Finding {
        Finding(.privateKey, severity: key.isUnencrypted ? .critical : .high, path: path, line: line,
                message: key.summary + (context.map { " (\($0))" } ?? ""), remediation: remediation)
    }
}

/// KW-KEYS-004: SSH host keys (`/etc/ssh/ssh_host_*key`) shipped in the image.
public struct HostKeyRules: ImageRule {
    public init() {}

    /// `/etc/ssh/ssh_host_<type>_key` and other private host key names (not `.pub`, not certificates).
    public static func isHostKeyPath(_ path: String) -> Bool {
        guard ImagePath.parent(of: path) == "/etc/ssh" else { return false }
        let name = ImagePath.name(of: path)
        return name.hasPrefix("ssh_host_") && name.hasSuffix("key")
    }

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let snapshot = context.snapshot
        for entry in snapshot.children(of: "/etc/ssh") where Self.isHostKeyPath(entry.path) {
            var description = "host key file (\(entry.kindDescription))"
            if case .success(let data) = snapshot.data(at: entry.path), let key = PrivateKeyInspector.inspect(data.bytes).first {
                description = "host key: " + key.summary
            } else if case .success(let data) = snapshot.data(at: entry.path + ".pub"),
                      let line = AuthorizedKeysLine(String(decoding: data.bytes, as: UTF8.self)),
                      case .success(let key) = line.publicKey() {
                description = "host key, public half \(key.summary)"
            }
            output.add(Finding(.hostKey, path: entry.path, message: description + "; every instance from this image would share it"))
        }
        return output
    }
}
