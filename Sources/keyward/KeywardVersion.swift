import KeywardBuildInfo

/// What `keyward --version` prints.
enum KeywardVersion {
    static let number = "0.7.0"
    static let commit = String(cString: keyward_build_commit())
    static let text = "keyward \(number) (commit \(commit))"
}
