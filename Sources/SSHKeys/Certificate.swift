/// Walks OpenSSH certificates field by field (PROTOCOL.certkeys). Signatures are not verified:
/// this checks structure only, and yields the certified key's material.
///
/// v01 (`*-cert-v01@openssh.com`, OpenSSH 5.6+), after the type name:
///
///     string nonce
///     <key fields of the plain type>
///     uint64 serial
///     uint32 type                 1 = user, 2 = host
///     string key id
///     string valid principals     (a sequence of strings)
///     uint64 valid after
///     uint64 valid before
///     string critical options     (a sequence of name/data string pairs)
///     string extensions           (a sequence of name/data string pairs)
///     string reserved
///     string signature key        (a plain public key blob)
///     string signature            (string format, string signature blob)
///
/// v00 (`ssh-rsa-cert-v00@openssh.com`, `ssh-dss-cert-v00@openssh.com`, OpenSSH 5.4–6.9; removed in 7.0):
/// no leading nonce and no serial; one options field ("constraints"); the nonce comes after it:
///
///     <key fields> uint32 type, string key id, string valid principals, uint64 valid after,
///     uint64 valid before, string constraints, string nonce, string reserved,
///     string signature key, string signature
///
/// This is the layout OpenSSH 6.x's `cert_parse` reads and `sshkey_certify` writes for legacy certificates.
enum Certificate {
    static func read(_ type: KeyTypeName, from reader: inout BlobReader) throws(PublicKeyParseError) -> KeyMaterial {
        let legacy = type.envelope == .certificateV00
        if !legacy {
            _ = try reader.string("certificate nonce")
        }
        let material = try KeyMaterial.read(type.kind, from: &reader)
        if !legacy {
            _ = try reader.uint64("certificate serial")
        }
        let certificateType = try reader.uint32("certificate type")
        guard certificateType == 1 || certificateType == 2 else {
            throw .invalidCertificate(reason: "type \(certificateType) is neither user (1) nor host (2)")
        }
        let keyID = try reader.string("certificate key id")
        guard !keyID.contains(0) else { throw .invalidCertificate(reason: "the key id contains a NUL byte") }
        try walkPrincipals(try reader.string("certificate principals"))
        _ = try reader.uint64("certificate valid-after time")
        _ = try reader.uint64("certificate valid-before time")
        try walkOptions(try reader.string("certificate critical options"), field: legacy ? "constraints" : "critical options")
        if legacy {
            _ = try reader.string("certificate nonce")
        } else {
            try walkOptions(try reader.string("certificate extensions"), field: "extensions")
        }
        _ = try reader.string("certificate reserved field")
        let signatureKey = try reader.string("certificate signature key")
        var peek = SSHWireReader(signatureKey)
        if let name = try? peek.readString(), let text = decodeUTF8(name), let signer = KeyTypeName(text), signer.envelope != .plain {
            throw .invalidCertificate(reason: "the signature key is itself a certificate")
        }
        do {
            _ = try KeyBlob.parse(signatureKey, allowCertificate: false)
        } catch {
            throw .invalidCertificate(reason: "signature key: \(error)")
        }
        try walkSignature(try reader.string("certificate signature"))
        try reader.expectEnd()
        return material
    }

    /// Principals: strings, each without NUL bytes, filling the field exactly.
    private static func walkPrincipals(_ field: ArraySlice<UInt8>) throws(PublicKeyParseError) {
        var inner = SSHWireReader(field)
        while !inner.isAtEnd {
            guard let principal = try? inner.readString() else {
                throw .invalidCertificate(reason: "the principals field is malformed")
            }
            guard !principal.contains(0) else { throw .invalidCertificate(reason: "a principal contains a NUL byte") }
        }
    }

    /// Options and extensions: name/data string pairs, names without NUL bytes, filling the field exactly.
    private static func walkOptions(_ field: ArraySlice<UInt8>, field name: String) throws(PublicKeyParseError) {
        var inner = SSHWireReader(field)
        while !inner.isAtEnd {
            guard let option = try? inner.readString(), (try? inner.readString()) != nil else {
                throw .invalidCertificate(reason: "the \(name) field is malformed")
            }
            guard !option.isEmpty, !option.contains(0) else {
                throw .invalidCertificate(reason: "the \(name) field has an empty or NUL-containing name")
            }
        }
    }

    /// Signature: a format name and a signature blob; security-key signatures append flags and a counter.
    private static func walkSignature(_ field: ArraySlice<UInt8>) throws(PublicKeyParseError) {
        var inner = SSHWireReader(field)
        guard let format = try? inner.readString(), !format.isEmpty, (try? inner.readString()) != nil else {
            throw .invalidCertificate(reason: "the signature field is malformed")
        }
    }
}
