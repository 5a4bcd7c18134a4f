/// An authorized_keys file of the image.
public struct AuthorizedKeysFile: Sendable, Hashable {
    /// The path with links resolved inside the image.
    public let path: String
    /// How it was found, when through a link (`/root/.ssh/authorized_keys` → …).
    public let foundAt: String
    /// The account whose home (and sshd's AuthorizedKeysFile) leads to it, when one does.
    public let owner: String?
}

/// Finds authorized_keys files the way sshd would look for them, and then some: for every account of the
/// image's own /etc/passwd, each AuthorizedKeysFile pattern (global and in Match blocks; `%h`, `%u`, `%U`, `%%`)
/// relative to its home; plus every file named authorized_keys or authorized_keys2 anywhere.
public enum AuthorizedKeysLocator {
    public static let defaultPatterns = [".ssh/authorized_keys", ".ssh/authorized_keys2"]
    static let fileNames: Set<String> = ["authorized_keys", "authorized_keys2"]

    public static func locate(in context: RuleContext, notes: inout [ScanNote]) -> [AuthorizedKeysFile] {
        var patterns = context.sshd?.authorizedKeysFiles ?? defaultPatterns
        for block in context.sshd?.matchBlocks ?? [] {
            for setting in block.settings where setting.keyword == "authorizedkeysfile" {
                let extra = setting.arguments.filter { !patterns.contains($0) }
                patterns.append(contentsOf: extra)
            }
        }
        var candidates: [(path: String, owner: String?)] = []
        for user in context.accounts.passwd {
            for pattern in patterns where pattern.lowercased() != "none" {
                guard let path = expand(pattern, user: user) else { continue }
                candidates.append((path: path, owner: user.name))
            }
        }
        for entry in context.snapshot.entries where fileNames.contains(ImagePath.name(of: entry.path)) {
            candidates.append((path: entry.path, owner: nil))
        }
        var files: [AuthorizedKeysFile] = []
        var seen: Set<String> = []
        for candidate in candidates {
            switch context.snapshot.resolve(candidate.path) {
            case .success(let resolved):
                guard resolved.entry.isRegular else {
                    if resolved.entry.isDirectory || context.snapshot.entry(at: candidate.path) != nil {
                        notes.append(ScanNote(path: candidate.path, message: "authorized keys path is a \(resolved.entry.kindDescription)"))
                    }
                    continue
                }
                guard seen.insert(resolved.path).inserted else { continue }
                files.append(AuthorizedKeysFile(path: resolved.path, foundAt: candidate.path, owner: candidate.owner))
            case .failure(let failure):
                if !failure.isMissing { notes.append(ScanNote(path: candidate.path, message: failure.description)) }
            }
        }
        return files
    }

    /// An AuthorizedKeysFile pattern for one account, as an image path; nil when it climbs out of the root.
    static func expand(_ pattern: String, user: PasswdEntry) -> String? {
        var expanded = ""
        var escape = false
        for character in pattern {
            if escape {
                switch character {
                case "h": expanded += user.home
                case "u": expanded += user.name
                case "U": expanded += user.uid.map(String.init) ?? ""
                case "%": expanded += "%"
                default: expanded += "%" + String(character)
                }
                escape = false
            } else if character == "%" {
                escape = true
            } else {
                expanded.append(character)
            }
        }
        let absolute = expanded.hasPrefix("/") ? expanded : ImagePath.appending(expanded, to: user.home.isEmpty ? "/" : user.home)
        return ImagePath.normalized(absolute)
    }
}
