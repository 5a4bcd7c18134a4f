import Hygiene

extension FuzzTarget {
    /// Image archives (tar, tar.gz) scanned as an upload would be: the tar and gzip readers, then every hygiene rule
    /// over what they kept (passwd, shadow, sshd_config, authorized_keys, cloud-init).
    static let archive = FuzzTarget(name: "archive", summary: "the tar and gzip readers and the image scan over them") { bytes in
        guard let root = try? TarRoot(bytes: bytes, name: "fuzz.tar") else { return }
        _ = ImageScanner().scan(root)
    }
}
