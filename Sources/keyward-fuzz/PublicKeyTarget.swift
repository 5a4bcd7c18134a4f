import SSHKeys

extension FuzzTarget {
    /// Every public key form users paste (OpenSSH lines, authorized_keys options, RFC 4716, PEM SPKI and PKCS#1,
    /// certificates). A key that parses prints an OpenSSH line that parses to the same key and fingerprints.
    static let publicKey = FuzzTarget(name: "public-key", summary: "the public key parser (every OpenSSH form)") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        guard let key = try? PublicKey(parsing: text) else { return }
        guard let again = try? PublicKey(parsing: key.openSSHLine) else {
            preconditionFailure("the OpenSSH line of a parsed key does not parse: \(key.openSSHLine)")
        }
        precondition(again.sha256Fingerprint == key.sha256Fingerprint, "the fingerprint changed in a round trip")
        precondition(again.md5Fingerprint == key.md5Fingerprint, "the MD5 fingerprint changed in a round trip")
        precondition(again.kind == key.kind && again.bits == key.bits, "kind or size changed in a round trip")
    }
}
