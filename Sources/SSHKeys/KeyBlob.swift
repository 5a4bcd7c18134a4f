/// Parses a whole public key blob: the type name, then the plain key fields or the certificate.
enum KeyBlob {
    struct Parsed: Sendable, Hashable {
        let type: KeyTypeName
        let material: KeyMaterial
    }

    /// - Parameters:
    ///   - blob: the decoded base64 field of a key line.
    ///   - declaredName: the type name written in front of the blob, which the blob must repeat.
    ///   - allowCertificate: false for a certificate's signature key, which must be a plain key.
    static func parse(
        _ blob: some Collection<UInt8>,
        declaredName: String? = nil,
        allowCertificate: Bool = true
    ) throws(PublicKeyParseError) -> Parsed {
        var reader = BlobReader(blob)
        let nameBytes = try reader.string("key type name")
        let name = decodeUTF8(nameBytes)
        if let declaredName, name != declaredName {
            throw .typeMismatch(declared: declaredName, encoded: printable(nameBytes))
        }
        guard let name, let type = KeyTypeName(name) else { throw .unknownKeyType(printable(nameBytes)) }
        let material: KeyMaterial
        switch type.envelope {
        case .plain:
            material = try KeyMaterial.read(type.kind, from: &reader)
            try reader.expectEnd()
        case .certificateV01, .certificateV00:
            guard allowCertificate else { throw .invalidCertificate(reason: "the signature key is itself a certificate") }
            material = try Certificate.read(type, from: &reader)
        }
        return Parsed(type: type, material: material)
    }
}
