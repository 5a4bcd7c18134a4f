/// KW-SSHD-001…010: the effective sshd configuration (first value wins across Include files; OpenSSH defaults
/// when unset). Severities depend on the combination: root or empty-password logins matter most while sshd
/// accepts passwords.
public struct SSHDRules: ImageRule {
    public init() {}

    public func evaluate(_ context: RuleContext) -> RuleOutput {
        var output = RuleOutput()
        guard let config = context.sshd else { return output }
        let passwords = config.acceptsPasswords

        if config.passwordAuthentication {
            output.add(finding(.sshdPasswordAuthentication, "PasswordAuthentication", config, "password logins are accepted"))
        }
        if config.keyboardInteractiveAuthentication {
            let viaPAM = config.usePAM ? "with UsePAM yes it prompts for passwords" : "UsePAM is off, so it offers no password prompt"
            output.add(finding(.sshdKeyboardInteractive, "KbdInteractiveAuthentication", config, viaPAM, severity: config.usePAM ? .high : .low))
        }
        if config.permitRootLogin == "yes" {
            let detail = passwords ? "root can log in with a password" : "root can log in with a key (passwords are off)"
            output.add(finding(.sshdPermitRootLogin, "PermitRootLogin", config, detail, severity: passwords ? .high : .medium))
        }
        if config.permitEmptyPasswords {
            let detail = passwords ? "accounts without a password can log in" : "no effect while password logins are off"
            output.add(finding(.sshdPermitEmptyPasswords, "PermitEmptyPasswords", config, detail, severity: passwords ? .high : .low))
        }
        if !config.pubkeyAuthentication {
            output.add(finding(.sshdPubkeyDisabled, "PubkeyAuthentication", config, "key logins are refused"))
        }
        if let tries = config.maxAuthTries, tries > 4 {
            output.add(finding(.sshdMaxAuthTries, "MaxAuthTries", config, "\(tries) attempts per connection"))
        }
        for (keyword, risky) in [("X11Forwarding", "yes"), ("PermitUserEnvironment", "yes"), ("HostbasedAuthentication", "yes"), ("IgnoreRhosts", "no")]
        where config.value(keyword)?.lowercased() == risky {
            let severity: Severity = keyword == "HostbasedAuthentication" || keyword == "IgnoreRhosts" ? .medium : .low
            output.add(finding(.sshdRiskyOption, keyword, config, "risky setting", severity: severity))
        }
        if let setting = config.setting("AuthorizedKeysFile"), config.authorizedKeysFiles != AuthorizedKeysLocator.defaultPatterns {
            output.add(Finding(.sshdAuthorizedKeysLocation, path: setting.path, line: setting.line,
                               message: "AuthorizedKeysFile \(setting.value)"))
        }
        if let setting = config.setting("AuthorizedKeysCommand"), setting.value.lowercased() != "none" {
            output.add(Finding(.sshdAuthorizedKeysLocation, path: setting.path, line: setting.line,
                               message: "AuthorizedKeysCommand is set; keys also come from a command"))
        }
        if !config.usePAM {
            output.add(finding(.sshdWithoutPAM, "UsePAM", config, "PAM account checks do not apply to SSH logins"))
        }
        matchBlocks(config, into: &output)
        return output
    }

    /// `Keyword value` at the line that sets it, or the default at the main file.
    private func finding(_ rule: RuleID, _ keyword: String, _ config: SSHDEffectiveConfig, _ detail: String, severity: Severity? = nil) -> Finding {
        let value = config.value(keyword) ?? ""
        if let setting = config.setting(keyword) {
            return Finding(rule, severity: severity, path: setting.path, line: setting.line,
                           message: "\(setting.spelling) \(value) is the effective value: \(detail)")
        }
        return Finding(rule, severity: severity, path: config.mainPath,
                       message: "\(keyword) is not set, so the OpenSSH default \(value) applies: \(detail)")
    }

    private static let relaxing: [String: String] = [
        "passwordauthentication": "yes",
        "kbdinteractiveauthentication": "yes",
        "permitemptypasswords": "yes",
        "permitrootlogin": "yes",
    ]

    private func matchBlocks(_ config: SSHDEffectiveConfig, into output: inout RuleOutput) {
        for block in config.matchBlocks {
            for setting in block.settings where Self.relaxing[setting.keyword] == setting.value.lowercased() {
                output.add(Finding(.sshdMatchRelaxes, path: setting.path, line: setting.line,
                                   message: "\(setting.spelling) \(setting.value) for connections matching '\(block.criteria)' (\(block.path):\(block.line))"))
            }
        }
    }
}
