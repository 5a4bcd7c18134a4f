/// KW-KEYS-001/002: every key in every authorized_keys file of the image, with its type and fingerprint.
public struct AuthorizedKeysRules: ImageRule {
    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        let files = AuthorizedKeysLocator.locate(in: context, notes: &output.notes)
        for file in files {
            guard let lines = context.snapshot.lines(at: file.path, output: &output) else { continue }
            let via = file.foundAt != file.path ? ", reached through \(file.foundAt)" : ""
            let owner = file.owner.map { " for '\($0)'" } ?? ""
            for (offset, text) in lines.enumerated() {
                guard let line = AuthorizedKeysLine(text) else { continue }
                switch line.publicKey() {
                case .success(let key):
                    let options = line.optionNames.isEmpty ? "" : ", options: " + line.optionNames.joined(separator: ",")
                    output.add(Finding(
                        .authorizedKey, path: file.path, line: offset + 1,
                        message: "\(key.summary)\(key.commentSuffix) authorized\(owner)\(options)\(via)"
                    ))
                case .failure(let error):
                    output.add(Finding(
                        .invalidAuthorizedKeyLine, path: file.path, line: offset + 1,
                        message: "not a valid public key: \(error.safeReason)"
                    ))
                }
            }
        }
        return output
    }
}
